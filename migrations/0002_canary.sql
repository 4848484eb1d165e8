CREATE TABLE `canary_deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`token` text NOT NULL,
	`case_result_id` integer NOT NULL,
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
CREATE UNIQUE INDEX `canary_deliveries_token_unique` ON `canary_deliveries` (`token`);--> statement-breakpoint
CREATE INDEX `canary_deliveries_check_idx` ON `canary_deliveries` (`check_id`);--> statement-breakpoint
ALTER TABLE `case_results` ADD `data_reply_code` integer;--> statement-breakpoint
ALTER TABLE `case_results` ADD `data_reply_enhanced` text;--> statement-breakpoint
ALTER TABLE `case_results` ADD `data_reply_text` text;--> statement-breakpoint
ALTER TABLE `checks` ADD `proof` text;--> statement-breakpoint
ALTER TABLE `checks` ADD `proof_deadline_at` integer;--> statement-breakpoint
CREATE INDEX `checks_proof_deadline_idx` ON `checks` (`proof`,`proof_deadline_at`);