CREATE TABLE `backup_codes` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`code_hash` text NOT NULL,
	`created_at` integer NOT NULL,
	`used_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `backup_codes_user_hash_unique` ON `backup_codes` (`user_id`,`code_hash`);--> statement-breakpoint
CREATE TABLE `login_history` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text,
	`email` text NOT NULL,
	`success` integer NOT NULL,
	`failure_reason` text,
	`method` text DEFAULT 'password' NOT NULL,
	`session_id` text,
	`ip_address` text,
	`user_agent` text,
	`device` text DEFAULT 'Other' NOT NULL,
	`browser` text,
	`browser_name` text,
	`os` text,
	`country` text,
	`country_code` text,
	`city` text,
	`region` text,
	`latitude` real,
	`longitude` real,
	`timezone` text,
	`suspicious` integer DEFAULT false NOT NULL,
	`suspicious_reasons` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `login_history_user_time_idx` ON `login_history` (`user_id`,`created_at`);--> statement-breakpoint
CREATE INDEX `login_history_user_stats_idx` ON `login_history` (`user_id`,`created_at`,`success`,`device`,`browser_name`,`country`);--> statement-breakpoint
CREATE INDEX `login_history_time_idx` ON `login_history` (`created_at`);--> statement-breakpoint
CREATE TABLE `oauth_accounts` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`provider` text NOT NULL,
	`provider_account_id` text NOT NULL,
	`email` text,
	`created_at` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `oauth_accounts_provider_account_unique` ON `oauth_accounts` (`provider`,`provider_account_id`);--> statement-breakpoint
CREATE UNIQUE INDEX `oauth_accounts_user_provider_unique` ON `oauth_accounts` (`user_id`,`provider`);--> statement-breakpoint
ALTER TABLE `users` ADD `mfa_secret` text;--> statement-breakpoint
ALTER TABLE `users` ADD `mfa_last_step` integer;