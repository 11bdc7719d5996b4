PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_reports` (
	`id` text PRIMARY KEY NOT NULL,
	`subject_type` text NOT NULL,
	`subject_id` text NOT NULL,
	`reporter_id` text NOT NULL,
	`reason` text NOT NULL,
	`review_item_id` text,
	`created_at` integer NOT NULL,
	`created_by_key` text NOT NULL,
	`muted` integer DEFAULT false NOT NULL,
	`evidence_stored` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
INSERT INTO `__new_reports`("id", "subject_type", "subject_id", "reporter_id", "reason", "review_item_id", "created_at", "created_by_key", "muted", "evidence_stored") SELECT "id", "subject_type", "subject_id", "reporter_id", "reason", "review_item_id", "created_at", "created_by_key", 0, 0 FROM `reports`;--> statement-breakpoint
DROP TABLE `reports`;--> statement-breakpoint
ALTER TABLE `__new_reports` RENAME TO `reports`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `reports_subject_reporter_item_uq` ON `reports` (`subject_type`,`subject_id`,`reporter_id`,`review_item_id`);--> statement-breakpoint
CREATE INDEX `reports_item_idx` ON `reports` (`review_item_id`);--> statement-breakpoint
CREATE INDEX `reports_reporter_idx` ON `reports` (`reporter_id`,`created_at`,`id`);