CREATE TABLE `api_key_usage` (
	`api_key_id` text NOT NULL,
	`day` text NOT NULL,
	`checks` integer NOT NULL,
	`window_start` integer NOT NULL,
	`window_requests` integer NOT NULL,
	PRIMARY KEY(`api_key_id`, `day`),
	FOREIGN KEY (`api_key_id`) REFERENCES `api_keys`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `api_keys` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`key_hash` text NOT NULL,
	`key_prefix` text NOT NULL,
	`daily_quota` integer NOT NULL,
	`rate_per_minute` integer NOT NULL,
	`created_at` integer NOT NULL,
	`revoked_at` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `api_keys_key_hash_unique` ON `api_keys` (`key_hash`);--> statement-breakpoint
CREATE TABLE `badge_domains` (
	`domain` text PRIMARY KEY NOT NULL,
	`first_served_at` integer NOT NULL,
	`last_served_at` integer NOT NULL,
	`last_recheck_at` integer
);
--> statement-breakpoint
CREATE TABLE `batch_items` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`batch_id` text NOT NULL,
	`position` integer NOT NULL,
	`domain` text NOT NULL,
	`status` text NOT NULL,
	`check_id` text,
	`error` text,
	FOREIGN KEY (`batch_id`) REFERENCES `batches`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`check_id`) REFERENCES `checks`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE INDEX `batch_items_batch_position_idx` ON `batch_items` (`batch_id`,`position`);--> statement-breakpoint
CREATE INDEX `batch_items_check_idx` ON `batch_items` (`check_id`);--> statement-breakpoint
CREATE TABLE `batches` (
	`id` text PRIMARY KEY NOT NULL,
	`api_key_id` text,
	`status` text NOT NULL,
	`total` integer NOT NULL,
	`port` integer,
	`webhook_url` text,
	`created_at` integer NOT NULL,
	`finished_at` integer,
	FOREIGN KEY (`api_key_id`) REFERENCES `api_keys`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE TABLE `public_listings` (
	`domain` text PRIMARY KEY NOT NULL,
	`token` text NOT NULL,
	`requested_at` integer NOT NULL,
	`verified_at` integer
);
--> statement-breakpoint
CREATE TABLE `webhook_deliveries` (
	`id` text PRIMARY KEY NOT NULL,
	`subject_kind` text NOT NULL,
	`subject_id` text NOT NULL,
	`url` text NOT NULL,
	`api_key_id` text,
	`status` text NOT NULL,
	`attempts` integer NOT NULL,
	`next_attempt_at` integer NOT NULL,
	`last_error` text,
	`created_at` integer NOT NULL,
	`delivered_at` integer
);
--> statement-breakpoint
CREATE INDEX `webhook_deliveries_due_idx` ON `webhook_deliveries` (`status`,`next_attempt_at`);--> statement-breakpoint
ALTER TABLE `checks` ADD `api_key_id` text;--> statement-breakpoint
ALTER TABLE `checks` ADD `batch_id` text;--> statement-breakpoint
ALTER TABLE `checks` ADD `webhook_url` text;