CREATE TABLE `allow_phrases` (
	`id` text PRIMARY KEY NOT NULL,
	`phrase` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `allow_phrases_phrase_unique` ON `allow_phrases` (`phrase`);--> statement-breakpoint
CREATE TABLE `blocked_domains` (
	`id` text PRIMARY KEY NOT NULL,
	`domain` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `blocked_domains_domain_unique` ON `blocked_domains` (`domain`);--> statement-breakpoint
CREATE TABLE `contact_rules` (
	`kind` text PRIMARY KEY NOT NULL,
	`action` text NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `policy_chunks` (
	`version` integer NOT NULL,
	`seq` integer NOT NULL,
	`data` text NOT NULL,
	PRIMARY KEY(`version`, `seq`)
);
--> statement-breakpoint
CREATE TABLE `policy_current` (
	`id` integer PRIMARY KEY NOT NULL,
	`version` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `policy_versions` (
	`version` integer PRIMARY KEY NOT NULL,
	`content_hash` text NOT NULL,
	`term_count` integer NOT NULL,
	`allow_count` integer NOT NULL,
	`byte_size` integer NOT NULL,
	`chunk_count` integer NOT NULL,
	`config` text NOT NULL,
	`created_at` integer NOT NULL,
	`created_by` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `screening_categories` (
	`name` text PRIMARY KEY NOT NULL,
	`ranges` text NOT NULL,
	`licence_required` integer DEFAULT false NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `term_lists` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`category` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `term_lists_name_unique` ON `term_lists` (`name`);--> statement-breakpoint
CREATE TABLE `terms` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`list_id` text NOT NULL,
	`pattern` text NOT NULL,
	`severity` integer NOT NULL,
	`flags` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `terms_list_pattern_idx` ON `terms` (`list_id`,`pattern`);