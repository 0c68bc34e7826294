ALTER TABLE `chats` ADD `access` text DEFAULT 'approved' NOT NULL;--> statement-breakpoint
ALTER TABLE `chats` ADD `access_by` text;--> statement-breakpoint
ALTER TABLE `chats` ADD `access_notice_at` integer;