PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_canary_deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`token` text NOT NULL,
	`case_result_id` integer,
	`vantage_result_id` text NOT NULL,
	`check_id` text NOT NULL,
	`received_at` integer NOT NULL,
	`mail_from` text NOT NULL,
	`received_chain_json` text NOT NULL,
	`message_id` text,
	`size` integer NOT NULL,
	FOREIGN KEY (`case_result_id`) REFERENCES `case_results`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`vantage_result_id`) REFERENCES `vantage_results`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`check_id`) REFERENCES `checks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_canary_deliveries`("id", "token", "case_result_id", "vantage_result_id", "check_id", "received_at", "mail_from", "received_chain_json", "message_id", "size") SELECT "id", "token", "case_result_id", "vantage_result_id", "check_id", "received_at", "mail_from", "received_chain_json", "message_id", "size" FROM `canary_deliveries`;--> statement-breakpoint
DROP TABLE `canary_deliveries`;--> statement-breakpoint
ALTER TABLE `__new_canary_deliveries` RENAME TO `canary_deliveries`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `canary_deliveries_token_unique` ON `canary_deliveries` (`token`);--> statement-breakpoint
CREATE INDEX `canary_deliveries_check_idx` ON `canary_deliveries` (`check_id`);--> statement-breakpoint
ALTER TABLE `vantage_results` ADD `token_nonce` text;--> statement-breakpoint
CREATE UNIQUE INDEX `vantage_results_token_nonce_idx` ON `vantage_results` (`token_nonce`);