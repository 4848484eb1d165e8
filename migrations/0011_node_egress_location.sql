ALTER TABLE `probe_nodes` ADD `egress_json` text DEFAULT '[]' NOT NULL;--> statement-breakpoint
ALTER TABLE `probe_nodes` ADD `location_json` text;