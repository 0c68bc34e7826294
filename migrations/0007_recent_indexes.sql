ALTER TABLE `changes` ADD `top_field` text GENERATED ALWAYS AS (iif(instr(field, '.') > 0, substr(field, 1, instr(field, '.') - 1), field)) VIRTUAL;--> statement-breakpoint
CREATE INDEX `changes_field_event` ON `changes` (`field`,`event_row_id`);--> statement-breakpoint
CREATE INDEX `changes_top_field_event` ON `changes` (`top_field`,`event_row_id`);