ALTER TABLE `one_time_tokens` ADD `payload` text;--> statement-breakpoint
ALTER TABLE `sessions` ADD `amr` text DEFAULT '["password"]' NOT NULL;--> statement-breakpoint
ALTER TABLE `sessions` ADD `security_stamp` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `sessions` ADD `authenticated_at` integer;--> statement-breakpoint
ALTER TABLE `users` ADD `security_stamp` integer DEFAULT 0 NOT NULL;