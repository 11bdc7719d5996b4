CREATE TABLE `post_evidence` (
	`post_id` text PRIMARY KEY NOT NULL,
	`object_key` text NOT NULL,
	`content_hash` text NOT NULL,
	`size` integer NOT NULL,
	`created_at` integer NOT NULL,
	`retain_until` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `post_evidence_object_key_unique` ON `post_evidence` (`object_key`);--> statement-breakpoint
CREATE INDEX `post_evidence_retain_idx` ON `post_evidence` (`retain_until`);