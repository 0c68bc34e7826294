CREATE TABLE `asset_platforms` (
	`id` text PRIMARY KEY NOT NULL,
	`name` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `directory_coins` (
	`id` text PRIMARY KEY NOT NULL,
	`symbol` text NOT NULL,
	`name` text NOT NULL,
	`name_key` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `directory_coins_symbol` ON `directory_coins` (`symbol`);--> statement-breakpoint
CREATE INDEX `directory_coins_name_key` ON `directory_coins` (`name_key`);--> statement-breakpoint
CREATE TABLE `directory_coins_next` (
	`id` text PRIMARY KEY NOT NULL,
	`symbol` text NOT NULL,
	`name` text NOT NULL,
	`name_key` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `directory_contracts` (
	`address_key` text NOT NULL,
	`chain` text NOT NULL,
	`coin_id` text NOT NULL,
	`address` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `directory_contracts_address` ON `directory_contracts` (`address_key`);--> statement-breakpoint
CREATE INDEX `directory_contracts_coin` ON `directory_contracts` (`coin_id`);--> statement-breakpoint
CREATE TABLE `directory_contracts_next` (
	`address_key` text NOT NULL,
	`chain` text NOT NULL,
	`coin_id` text NOT NULL,
	`address` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `directory_state` (
	`id` integer PRIMARY KEY NOT NULL,
	`refreshed_at` integer NOT NULL,
	`coins` integer NOT NULL,
	`contracts` integer NOT NULL,
	`platforms` integer NOT NULL
);
