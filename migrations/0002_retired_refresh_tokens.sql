CREATE TABLE `retired_refresh_tokens` (
	`token_hash` text PRIMARY KEY NOT NULL,
	`session_id` text NOT NULL,
	`retired_at` integer NOT NULL,
	FOREIGN KEY (`session_id`) REFERENCES `sessions`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `retired_refresh_tokens_session_idx` ON `retired_refresh_tokens` (`session_id`);--> statement-breakpoint
DROP INDEX `sessions_previous_refresh_token_hash_idx`;--> statement-breakpoint
ALTER TABLE `sessions` DROP COLUMN `previous_refresh_token_hash`;