CREATE TABLE `case_sets` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`cases` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `case_sets_cases_unique` ON `case_sets` (`cases`);--> statement-breakpoint
CREATE TABLE `retention_marks` (
	`name` text PRIMARY KEY NOT NULL,
	`last_rowid` integer NOT NULL
);
--> statement-breakpoint
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_canary_deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`token` text NOT NULL,
	`case_index` integer,
	`vantage_result_id` text NOT NULL,
	`check_id` text NOT NULL,
	`received_at` integer NOT NULL,
	`mail_from` text NOT NULL,
	`received_chain_json` text NOT NULL,
	`handed_over_by` text,
	`message_id` text,
	`size` integer NOT NULL,
	FOREIGN KEY (`vantage_result_id`) REFERENCES `vantage_results`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`check_id`) REFERENCES `checks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
-- Hand-written: a linked delivery's case_index is its case's position among its vantage's
-- case_results rows in id (run) order, the order evidence/backfill.ts packs outcomes in.
INSERT INTO `__new_canary_deliveries`("id", "token", "case_index", "vantage_result_id", "check_id", "received_at", "mail_from", "received_chain_json", "handed_over_by", "message_id", "size") SELECT "id", "token", CASE WHEN `case_result_id` IS NULL THEN NULL ELSE (SELECT count(*) FROM `case_results` AS `earlier` WHERE `earlier`.`vantage_result_id` = `canary_deliveries`.`vantage_result_id` AND `earlier`.`id` < `canary_deliveries`.`case_result_id`) END, "vantage_result_id", "check_id", "received_at", "mail_from", "received_chain_json", "handed_over_by", "message_id", "size" FROM `canary_deliveries`;--> statement-breakpoint
DROP TABLE `canary_deliveries`;--> statement-breakpoint
ALTER TABLE `__new_canary_deliveries` RENAME TO `canary_deliveries`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `canary_deliveries_token_unique` ON `canary_deliveries` (`token`);--> statement-breakpoint
CREATE INDEX `canary_deliveries_check_idx` ON `canary_deliveries` (`check_id`);--> statement-breakpoint
CREATE INDEX `canary_deliveries_vantage_idx` ON `canary_deliveries` (`vantage_result_id`);--> statement-breakpoint
ALTER TABLE `vantage_results` ADD `case_set_id` integer REFERENCES case_sets(id);--> statement-breakpoint
ALTER TABLE `vantage_results` ADD `outcomes` text;--> statement-breakpoint
ALTER TABLE `vantage_results` ADD `evidence_id` text;--> statement-breakpoint
CREATE INDEX `badge_domains_served_idx` ON `badge_domains` (`last_served_at`);--> statement-breakpoint
CREATE INDEX `batches_status_created_idx` ON `batches` (`status`,`created_at`);