CREATE TABLE `appeals` (
	`id` text PRIMARY KEY NOT NULL,
	`decision_id` text NOT NULL,
	`account_id` text NOT NULL,
	`statement` text NOT NULL,
	`subject_type` text NOT NULL,
	`subject_id` text NOT NULL,
	`review_item_id` text,
	`status` text NOT NULL,
	`outcome` text,
	`reason` text,
	`decided_by` text,
	`decided_at` integer,
	`effect` text,
	`effect_outcome` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `appeals_decision_uq` ON `appeals` (`decision_id`);--> statement-breakpoint
CREATE INDEX `appeals_subject_idx` ON `appeals` (`subject_type`,`subject_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `appeals_effect_idx` ON `appeals` (`effect`);