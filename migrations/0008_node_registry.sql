CREATE TABLE `node_leases` (
	`vantage_result_id` text PRIMARY KEY NOT NULL,
	`node_id` text NOT NULL,
	`expires_at` integer NOT NULL,
	FOREIGN KEY (`vantage_result_id`) REFERENCES `vantage_results`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `node_leases_node_idx` ON `node_leases` (`node_id`,`expires_at`);--> statement-breakpoint
CREATE TABLE `probe_nodes` (
	`id` text PRIMARY KEY NOT NULL,
	`region` text NOT NULL,
	`site` text NOT NULL,
	`asn` integer NOT NULL,
	`network` text NOT NULL,
	`url` text,
	`binding` text,
	`ports_json` text NOT NULL,
	`runtime` text NOT NULL,
	`state` text NOT NULL,
	`max_concurrent_jobs` integer NOT NULL,
	`secret_wrapped` text NOT NULL,
	`health` text DEFAULT 'unknown' NOT NULL,
	`health_checked_at` integer,
	`health_error` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE `vantage_results` ADD `location_kind` text;--> statement-breakpoint
ALTER TABLE `vantage_results` ADD `location` text;--> statement-breakpoint
ALTER TABLE `vantage_results` ADD `node_asn` integer;--> statement-breakpoint
ALTER TABLE `vantage_results` ADD `inside` integer DEFAULT false NOT NULL;