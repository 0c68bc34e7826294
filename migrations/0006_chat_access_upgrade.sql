-- CHAT_ACCESS=approval arrives with this release: a database upgraded from an earlier one keeps serving the chats
-- that already watch something (no silent surprise) and asks for approval of the others.
UPDATE `chats` SET `access_by` = 'upgrade' WHERE `id` IN (SELECT `chat_id` FROM `subscriptions`);--> statement-breakpoint
UPDATE `chats` SET `access` = 'pending' WHERE `id` NOT IN (SELECT `chat_id` FROM `subscriptions`);
