DROP TABLE `retired_refresh_tokens`;--> statement-breakpoint
ALTER TABLE `sessions` ADD `refresh_generation` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `sessions` ADD `refreshed_at` integer;