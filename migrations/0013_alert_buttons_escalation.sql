CREATE TABLE `alert_buttons` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`token` text NOT NULL,
	`action` text NOT NULL,
	`chat_id` integer NOT NULL,
	`delivery_id` integer NOT NULL,
	`message` text NOT NULL,
	`digest_ids` text,
	`coins` text NOT NULL,
	`expires_at` integer NOT NULL,
	`armed_at` integer,
	`acted_at` integer,
	`acted_by` text,
	`created_at` integer DEFAULT (cast(unixepoch('subsec') * 1000 as integer)) NOT NULL,
	FOREIGN KEY (`chat_id`) REFERENCES `chats`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`delivery_id`) REFERENCES `deliveries`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `alert_buttons_token` ON `alert_buttons` (`token`);--> statement-breakpoint
CREATE UNIQUE INDEX `alert_buttons_message_action` ON `alert_buttons` (`delivery_id`,`message`,`action`);--> statement-breakpoint
DROP INDEX `deliveries_event_chat`;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `reminder_of` integer;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `acked_at` integer;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `acked_by` text;--> statement-breakpoint
ALTER TABLE `deliveries` ADD `acked_via` text;--> statement-breakpoint
CREATE UNIQUE INDEX `deliveries_reminder_of` ON `deliveries` (`reminder_of`) WHERE reminder_of is not null;--> statement-breakpoint
CREATE INDEX `deliveries_unacked_high` ON `deliveries` (`sent_at`) WHERE status = 'sent' and severity = 'high' and acked_at is null and reminder_of is null;--> statement-breakpoint
CREATE UNIQUE INDEX `deliveries_event_chat` ON `deliveries` (`event_row_id`,`chat_id`) WHERE reminder_of is null;