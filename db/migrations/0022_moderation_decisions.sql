CREATE TABLE `moderation_decisions` (
	`id` text PRIMARY KEY NOT NULL,
	`review_item_id` text NOT NULL,
	`subject_type` text NOT NULL,
	`subject_id` text NOT NULL,
	`action` text NOT NULL,
	`target_type` text,
	`target_id` text,
	`reason` text NOT NULL,
	`labels` text,
	`duration_days` integer,
	`policy_version` integer,
	`decided_by` text NOT NULL,
	`decided_at` integer NOT NULL,
	`status` text NOT NULL,
	`applied_at` integer,
	`outcome` text,
	`expires_at` integer,
	`lifted_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `moderation_decisions_item_uq` ON `moderation_decisions` (`review_item_id`) WHERE status <> 'refused';--> statement-breakpoint
CREATE INDEX `moderation_decisions_target_idx` ON `moderation_decisions` (`target_type`,`target_id`,`decided_at`);--> statement-breakpoint
CREATE INDEX `moderation_decisions_status_idx` ON `moderation_decisions` (`status`,`decided_at`);--> statement-breakpoint
CREATE INDEX `moderation_decisions_expiry_idx` ON `moderation_decisions` (`expires_at`) WHERE expires_at IS NOT NULL AND lifted_at IS NULL;--> statement-breakpoint
CREATE TABLE `post_labels` (
	`post_id` text NOT NULL,
	`label` text NOT NULL,
	`decision_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`post_id`, `label`)
);
