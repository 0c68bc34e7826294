ALTER TABLE `chats` ADD `pending_notice` text;--> statement-breakpoint
CREATE INDEX `chats_pending_notice` ON `chats` (`id`) WHERE "chats"."pending_notice" IS NOT NULL;