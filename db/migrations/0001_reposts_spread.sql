CREATE TABLE `post_spread` (
	`root_post_id` text PRIMARY KEY NOT NULL,
	`reposts` integer DEFAULT 0 NOT NULL,
	`views` integer DEFAULT 0 NOT NULL,
	`version` integer DEFAULT 0 NOT NULL,
	`levels` text DEFAULT '[]' NOT NULL,
	`escalated` integer DEFAULT false NOT NULL,
	`shards` integer DEFAULT 1 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `post_spread_updated_idx` ON `post_spread` (`updated_at`);--> statement-breakpoint
CREATE INDEX `post_spread_reposts_idx` ON `post_spread` (`reposts`);--> statement-breakpoint
CREATE TABLE `repost_chain` (
	`repost_post_id` text PRIMARY KEY NOT NULL,
	`root_post_id` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `repost_chain_root_idx` ON `repost_chain` (`root_post_id`);--> statement-breakpoint
CREATE TABLE `spread_thresholds` (
	`id` text PRIMARY KEY NOT NULL,
	`level` text NOT NULL,
	`metric` text NOT NULL,
	`value` integer NOT NULL,
	`action` text NOT NULL,
	`category` text,
	`verdict` text,
	`created_at` integer NOT NULL
);
