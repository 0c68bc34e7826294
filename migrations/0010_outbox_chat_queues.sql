DROP INDEX `deliveries_chat_status_sent`;--> statement-breakpoint
CREATE INDEX `deliveries_chat_status_due` ON `deliveries` (`chat_id`,`status`,`next_attempt_at`);