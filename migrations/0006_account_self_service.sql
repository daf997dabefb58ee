ALTER TABLE `users` ADD `deletion_due_at` integer;--> statement-breakpoint
CREATE INDEX `users_deletion_due_idx` ON `users` (`deletion_due_at`) WHERE "users"."deletion_due_at" is not null;