CREATE TABLE `mutes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`chat_id` integer NOT NULL,
	`kind` text NOT NULL,
	`target` text NOT NULL,
	`until` integer NOT NULL,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`chat_id`) REFERENCES `chats`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `mutes_chat_target` ON `mutes` (`chat_id`,`kind`,`target`);--> statement-breakpoint
CREATE INDEX `mutes_until` ON `mutes` (`until`);--> statement-breakpoint
DROP INDEX `deliveries_chat_status`;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `severity` text;--> statement-breakpoint
CREATE INDEX `deliveries_chat_status_sent` ON `deliveries` (`chat_id`,`status`,`sent_at`);