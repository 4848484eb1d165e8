CREATE TABLE `case_results` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`vantage_result_id` text NOT NULL,
	`case_id` text NOT NULL,
	`mail_from` text NOT NULL,
	`rcpt_to` text NOT NULL,
	`recipient_kind` text NOT NULL,
	`token` text NOT NULL,
	`outcome` text NOT NULL,
	`step` text NOT NULL,
	`reply_code` integer,
	`reply_enhanced` text,
	`reply_text` text,
	`note` text,
	`conn` integer,
	`attempts` integer NOT NULL,
	FOREIGN KEY (`vantage_result_id`) REFERENCES `vantage_results`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `case_results_vantage_idx` ON `case_results` (`vantage_result_id`);--> statement-breakpoint
CREATE INDEX `case_results_token_idx` ON `case_results` (`token`);--> statement-breakpoint
CREATE TABLE `checks` (
	`id` text PRIMARY KEY NOT NULL,
	`domain_id` text,
	`kind` text NOT NULL,
	`target` text NOT NULL,
	`port` integer,
	`status` text NOT NULL,
	`verdict` text,
	`reason` text,
	`summary` text,
	`idempotency_key` text,
	`mx_json` text,
	`created_at` integer NOT NULL,
	`started_at` integer,
	`finished_at` integer,
	`deadline_at` integer NOT NULL,
	FOREIGN KEY (`domain_id`) REFERENCES `domains`(`id`) ON UPDATE no action ON DELETE no action
);
--> statement-breakpoint
CREATE UNIQUE INDEX `checks_idempotency_key_unique` ON `checks` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `checks_domain_created_idx` ON `checks` (`domain_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `checks_status_deadline_idx` ON `checks` (`status`,`deadline_at`);--> statement-breakpoint
CREATE INDEX `checks_target_created_idx` ON `checks` (`target`,`created_at`);--> statement-breakpoint
CREATE TABLE `domains` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `domains_name_unique` ON `domains` (`name`);--> statement-breakpoint
CREATE TABLE `transcripts` (
	`vantage_result_id` text PRIMARY KEY NOT NULL,
	`lines_json` text NOT NULL,
	FOREIGN KEY (`vantage_result_id`) REFERENCES `vantage_results`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `vantage_results` (
	`id` text PRIMARY KEY NOT NULL,
	`check_id` text NOT NULL,
	`mx_host` text NOT NULL,
	`mx_preference` integer,
	`address` text NOT NULL,
	`port` integer NOT NULL,
	`node_id` text NOT NULL,
	`region` text NOT NULL,
	`network` text NOT NULL,
	`status` text NOT NULL,
	`verdict` text,
	`reason` text,
	`started_at` integer,
	`finished_at` integer,
	`duration_ms` integer,
	`banner` text,
	`tls_json` text,
	`extensions_json` text,
	`names_json` text,
	FOREIGN KEY (`check_id`) REFERENCES `checks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `vantage_results_check_idx` ON `vantage_results` (`check_id`);