CREATE TABLE `lookup_usage` (
	`caller` text PRIMARY KEY NOT NULL,
	`window_start` integer NOT NULL,
	`lookups` integer NOT NULL
);
