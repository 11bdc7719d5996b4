CREATE TABLE `event_outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`subject_type` text NOT NULL,
	`subject_id` text NOT NULL,
	`occurred_at` integer NOT NULL,
	`payload` text NOT NULL,
	`request_id` text,
	`relayed_at` integer
);
--> statement-breakpoint
CREATE INDEX `event_outbox_relay_idx` ON `event_outbox` (`relayed_at`,`occurred_at`);--> statement-breakpoint
CREATE INDEX `event_outbox_subject_idx` ON `event_outbox` (`subject_type`,`subject_id`,`occurred_at`);