CREATE TABLE `review_signals` (
	`id` text PRIMARY KEY NOT NULL,
	`review_item_id` text NOT NULL,
	`dedupe_key` text NOT NULL,
	`subject_type` text NOT NULL,
	`subject_id` text NOT NULL,
	`source` text NOT NULL,
	`reason_code` text NOT NULL,
	`category` text,
	`severity` integer NOT NULL,
	`details` text,
	`status` text DEFAULT 'open' NOT NULL,
	`created_at` integer NOT NULL,
	`closed_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `review_signals_dedupe_key_unique` ON `review_signals` (`dedupe_key`);--> statement-breakpoint
CREATE INDEX `review_signals_item_idx` ON `review_signals` (`review_item_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `review_signals_subject_idx` ON `review_signals` (`subject_type`,`subject_id`,`status`);--> statement-breakpoint
ALTER TABLE `review_queue` ADD `priority` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `review_queue` ADD `severity` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `review_queue` ADD `reporters` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `review_queue` ADD `velocity` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `review_queue` ADD `signal_count` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `review_queue` ADD `last_signal_at` integer;--> statement-breakpoint
ALTER TABLE `review_queue` ADD `claimed_by` text;--> statement-breakpoint
ALTER TABLE `review_queue` ADD `claimed_until` integer;--> statement-breakpoint
CREATE INDEX `review_queue_priority_idx` ON `review_queue` (`status`,`priority`,`id`);