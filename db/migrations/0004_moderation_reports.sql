CREATE TABLE `reports` (
	`id` text PRIMARY KEY NOT NULL,
	`subject_type` text NOT NULL,
	`subject_id` text NOT NULL,
	`reporter_id` text NOT NULL,
	`reason` text NOT NULL,
	`review_item_id` text NOT NULL,
	`created_at` integer NOT NULL,
	`created_by_key` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `reports_subject_reporter_uq` ON `reports` (`subject_type`,`subject_id`,`reporter_id`);--> statement-breakpoint
CREATE INDEX `reports_item_idx` ON `reports` (`review_item_id`);