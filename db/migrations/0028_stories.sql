CREATE TABLE `stories` (
	`id` text PRIMARY KEY NOT NULL,
	`signature` text NOT NULL,
	`first_post_id` text NOT NULL,
	`first_seen_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`copies` integer DEFAULT 1 NOT NULL,
	`accounts` integer DEFAULT 1 NOT NULL,
	`reposts` integer DEFAULT 0 NOT NULL,
	`views` integer DEFAULT 0 NOT NULL,
	`spread_updated_at` integer,
	`escalated_at` integer,
	`removed_at` integer,
	`removed_decision_id` text
);
--> statement-breakpoint
CREATE INDEX `stories_copies_idx` ON `stories` (`copies`,`id`);--> statement-breakpoint
CREATE INDEX `stories_accounts_idx` ON `stories` (`accounts`,`id`);--> statement-breakpoint
CREATE INDEX `stories_reposts_idx` ON `stories` (`reposts`,`id`);--> statement-breakpoint
CREATE INDEX `stories_views_idx` ON `stories` (`views`,`id`);--> statement-breakpoint
CREATE TABLE `story_buckets` (
	`bucket` integer NOT NULL,
	`story_id` text NOT NULL,
	PRIMARY KEY(`bucket`, `story_id`)
);
--> statement-breakpoint
CREATE INDEX `story_buckets_story_idx` ON `story_buckets` (`story_id`);--> statement-breakpoint
CREATE TABLE `story_posts` (
	`post_id` text PRIMARY KEY NOT NULL,
	`story_id` text NOT NULL,
	`account_id` text NOT NULL,
	`similarity` integer NOT NULL,
	`joined_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `story_posts_story_idx` ON `story_posts` (`story_id`,`joined_at`);--> statement-breakpoint
CREATE INDEX `story_posts_account_idx` ON `story_posts` (`story_id`,`account_id`);