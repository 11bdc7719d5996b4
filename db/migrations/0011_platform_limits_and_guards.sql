CREATE TABLE `batch_guards` (
	`ok` text PRIMARY KEY NOT NULL
);
--> statement-breakpoint
ALTER TABLE `api_keys` ADD `limit_tier` text DEFAULT 'standard' NOT NULL;--> statement-breakpoint
-- App keys are a platform's backend: they default to the high tier (workers/gateway/src/limits.ts).
UPDATE `api_keys` SET `limit_tier` = 'high' WHERE `role` = 'app';
