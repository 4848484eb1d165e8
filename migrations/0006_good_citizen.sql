CREATE TABLE `anonymous_usage` (
	`client_hash` text PRIMARY KEY NOT NULL,
	`window_start` integer NOT NULL,
	`checks` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `node_egress` (
	`node_id` text NOT NULL,
	`address` text NOT NULL,
	`reverse_name` text,
	`checked_at` integer NOT NULL,
	PRIMARY KEY(`node_id`, `address`)
);
--> statement-breakpoint
CREATE TABLE `node_listings` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`node_id` text NOT NULL,
	`address` text NOT NULL,
	`zone` text NOT NULL,
	`answer` text NOT NULL,
	`listed_at` integer NOT NULL,
	`delisted_at` integer
);
--> statement-breakpoint
CREATE INDEX `node_listings_node_idx` ON `node_listings` (`node_id`,`listed_at`);--> statement-breakpoint
CREATE TABLE `node_usage` (
	`node_id` text NOT NULL,
	`bucket` text NOT NULL,
	`window_start` integer NOT NULL,
	`runs` integer NOT NULL,
	PRIMARY KEY(`node_id`, `bucket`)
);
--> statement-breakpoint
CREATE TABLE `opt_outs` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`value` text NOT NULL,
	`note` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `opt_outs_kind_value_idx` ON `opt_outs` (`kind`,`value`);