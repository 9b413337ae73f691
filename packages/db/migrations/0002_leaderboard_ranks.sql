CREATE TABLE "leaderboard_buckets" (
	"period" text NOT NULL,
	"bucket" numeric(20, 2) NOT NULL,
	"players" bigint NOT NULL,
	CONSTRAINT "leaderboard_buckets_period_bucket_pk" PRIMARY KEY("period","bucket")
);
--> statement-breakpoint
DROP INDEX "players_rank_today_idx";--> statement-breakpoint
DROP INDEX "players_rank_week_idx";--> statement-breakpoint
DROP INDEX "players_rank_month_idx";--> statement-breakpoint
DROP INDEX "players_rank_all_time_idx";--> statement-breakpoint
CREATE INDEX "players_rank_today_idx" ON "players" USING btree ("wager_today" DESC NULLS FIRST,"uid");--> statement-breakpoint
CREATE INDEX "players_rank_week_idx" ON "players" USING btree ("wager_week" DESC NULLS FIRST,"uid");--> statement-breakpoint
CREATE INDEX "players_rank_month_idx" ON "players" USING btree ("wager_month" DESC NULLS FIRST,"uid");--> statement-breakpoint
CREATE INDEX "players_rank_all_time_idx" ON "players" USING btree ("wager_all_time" DESC NULLS FIRST,"uid");