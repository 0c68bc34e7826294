CREATE TABLE `prune_runs` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`ran_at` integer NOT NULL,
	`cutoff` integer NOT NULL,
	`deliveries` integer NOT NULL,
	`events` integer NOT NULL,
	`changes` integer NOT NULL,
	`quarantine` integer NOT NULL,
	`duration_ms` integer NOT NULL
);
