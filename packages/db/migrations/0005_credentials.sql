ALTER TABLE "api_keys" DROP CONSTRAINT "api_keys_created_by_users_id_fk";
--> statement-breakpoint
DROP INDEX "challenge_entries_bet_key";--> statement-breakpoint
ALTER TABLE "challenges" ADD COLUMN "max_entries_per_user" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "suspended_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "suspended_reason" text;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "telegram_confirmed_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "users" ADD COLUMN "telegram_confirm_code_hash" text;--> statement-breakpoint
ALTER TABLE "api_keys" ADD CONSTRAINT "api_keys_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "challenge_entries_bet_user_key" ON "challenge_entries" USING btree ("challenge_id","bet_reference","user_id");--> statement-breakpoint
CREATE INDEX "challenge_entries_bet_idx" ON "challenge_entries" USING btree ("challenge_id","bet_reference");--> statement-breakpoint
CREATE INDEX "api_keys_created_by_idx" ON "api_keys" USING btree ("created_by");--> statement-breakpoint
ALTER TABLE "challenges" ADD CONSTRAINT "challenges_max_entries_per_user_check" CHECK ("challenges"."max_entries_per_user" > 0);