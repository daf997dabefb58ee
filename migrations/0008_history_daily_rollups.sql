CREATE TABLE `login_history_daily` (
	`user_id` text NOT NULL,
	`day` integer NOT NULL,
	`attempts` integer NOT NULL,
	`successes` integer NOT NULL,
	`tallies` text NOT NULL,
	PRIMARY KEY(`user_id`, `day`),
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `login_history_daily_day_idx` ON `login_history_daily` (`day`);--> statement-breakpoint
DROP INDEX `login_history_user_stats_idx`;