CREATE TABLE `changes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_row_id` integer NOT NULL,
	`position` integer NOT NULL,
	`field` text NOT NULL,
	`change_type` text NOT NULL,
	`old_value` text,
	`new_value` text,
	FOREIGN KEY (`event_row_id`) REFERENCES `events`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `changes_event_position` ON `changes` (`event_row_id`,`position`);--> statement-breakpoint
CREATE TABLE `chats` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`platform` text NOT NULL,
	`platform_chat_id` text NOT NULL,
	`kind` text NOT NULL,
	`title` text,
	`active` integer DEFAULT true NOT NULL,
	`deactivated_reason` text,
	`deactivated_at` integer,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `chats_platform_chat` ON `chats` (`platform`,`platform_chat_id`);--> statement-breakpoint
CREATE TABLE `coins` (
	`id` text PRIMARY KEY NOT NULL,
	`symbol` text,
	`name` text,
	`updated_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL
);
--> statement-breakpoint
CREATE TABLE `deliveries` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`event_row_id` integer NOT NULL,
	`chat_id` integer NOT NULL,
	`status` text DEFAULT 'pending' NOT NULL,
	`matched_positions` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_attempt_at` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`sent_at` integer,
	FOREIGN KEY (`event_row_id`) REFERENCES `events`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`chat_id`) REFERENCES `chats`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `deliveries_event_chat` ON `deliveries` (`event_row_id`,`chat_id`);--> statement-breakpoint
CREATE INDEX `deliveries_status_due` ON `deliveries` (`status`,`next_attempt_at`);--> statement-breakpoint
CREATE TABLE `events` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`source` text NOT NULL,
	`event_id` text NOT NULL,
	`event_type` text NOT NULL,
	`coin_id` text,
	`coin_symbol` text,
	`coin_name` text,
	`occurred_at` integer NOT NULL,
	`received_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`raw_body` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `events_source_event_id` ON `events` (`source`,`event_id`);--> statement-breakpoint
CREATE INDEX `events_coin` ON `events` (`coin_id`);--> statement-breakpoint
CREATE TABLE `quarantine` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`source` text NOT NULL,
	`event_id` text NOT NULL,
	`reason` text NOT NULL,
	`occurred_at` integer NOT NULL,
	`received_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	`raw_body` text NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `quarantine_source_event_id` ON `quarantine` (`source`,`event_id`);--> statement-breakpoint
CREATE TABLE `subscriptions` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`chat_id` integer NOT NULL,
	`coin_id` text NOT NULL,
	`field` text NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`chat_id`) REFERENCES `chats`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `subscriptions_chat_coin_field` ON `subscriptions` (`chat_id`,`coin_id`,`field`);--> statement-breakpoint
CREATE INDEX `subscriptions_coin_field` ON `subscriptions` (`coin_id`,`field`,`chat_id`);