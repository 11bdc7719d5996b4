CREATE TABLE `account_state` (
	`account_id` text PRIMARY KEY NOT NULL,
	`status_before_suspension` text,
	`warning_count` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `dev_sms_outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`phone_bidx` text NOT NULL,
	`body` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `dev_sms_outbox_phone_idx` ON `dev_sms_outbox` (`phone_bidx`,`created_at`);--> statement-breakpoint
CREATE TABLE `identity_bindings` (
	`identity_bidx` text NOT NULL,
	`kind` text NOT NULL,
	`slot` integer NOT NULL,
	`account_id` text NOT NULL,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identity_bindings_account_id_unique` ON `identity_bindings` (`account_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `identity_bindings_slot_uq` ON `identity_bindings` (`identity_bidx`,`kind`,`slot`);--> statement-breakpoint
CREATE TABLE `identity_vault` (
	`account_id` text PRIMARY KEY NOT NULL,
	`document_type` text NOT NULL,
	`kid` text,
	`wrapped_key` text,
	`name_ct` text,
	`document_ct` text,
	`phone_ct` text,
	`phone_bidx` text,
	`check_method` text,
	`check_ref` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`erased_at` integer,
	FOREIGN KEY (`account_id`) REFERENCES `accounts`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `identity_vault_phone_bidx_unique` ON `identity_vault` (`phone_bidx`);--> statement-breakpoint
CREATE INDEX `identity_vault_kid_idx` ON `identity_vault` (`kid`);--> statement-breakpoint
CREATE TABLE `idv_webhook_events` (
	`event_id` text PRIMARY KEY NOT NULL,
	`account_id` text,
	`outcome` text NOT NULL,
	`received_at` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `phone_codes` (
	`phone_bidx` text PRIMARY KEY NOT NULL,
	`account_id` text NOT NULL,
	`code_hmac` text,
	`expires_at` integer DEFAULT 0 NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_sent_at` integer DEFAULT 0 NOT NULL,
	`hour_start` integer DEFAULT 0 NOT NULL,
	`hour_count` integer DEFAULT 0 NOT NULL,
	`day_start` integer DEFAULT 0 NOT NULL,
	`day_count` integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE `registration_guards` (
	`ok` text PRIMARY KEY NOT NULL
);
