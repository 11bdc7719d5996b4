CREATE TABLE `publisher_outlets` (
	`domain` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `publisher_outlets_account_idx` ON `publisher_outlets` (`account_id`);