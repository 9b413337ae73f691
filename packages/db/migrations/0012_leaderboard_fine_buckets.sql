CREATE TABLE "leaderboard_fine_buckets" (
	"period" text NOT NULL,
	"bucket" numeric(20, 2) NOT NULL,
	"players" bigint NOT NULL,
	CONSTRAINT "leaderboard_fine_buckets_period_bucket_pk" PRIMARY KEY("period","bucket")
);
