CREATE INDEX `deliveries_pending_chat` ON `deliveries` (`chat_id`,`next_attempt_at`) WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX `deliveries_held_chat` ON `deliveries` (`chat_id`,`next_attempt_at`) WHERE status = 'held';--> statement-breakpoint
CREATE INDEX `deliveries_sending_chat` ON `deliveries` (`chat_id`) WHERE status = 'sending';