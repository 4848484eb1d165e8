CREATE TABLE `target_contacts` (
	`check_id` text NOT NULL,
	`address` text NOT NULL,
	`port` integer NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`check_id`, `address`, `port`),
	FOREIGN KEY (`check_id`) REFERENCES `checks`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `target_contacts_address_port_created_idx` ON `target_contacts` (`address`,`port`,`created_at`);--> statement-breakpoint
ALTER TABLE `public_listings` ADD `port` integer;--> statement-breakpoint
-- Backfill: checks made before this migration count for the cool-down by what they contacted.
INSERT OR IGNORE INTO `target_contacts` (`check_id`, `address`, `port`, `created_at`)
SELECT DISTINCT v.`check_id`, v.`address`, v.`port`, c.`created_at`
FROM `vantage_results` v JOIN `checks` c ON c.`id` = v.`check_id`;
