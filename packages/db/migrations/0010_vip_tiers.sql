CREATE TABLE "vip_tiers" (
	"position" integer PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"threshold" numeric(20, 2) NOT NULL,
	"colour" text NOT NULL,
	"updated_by" text,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "vip_tiers_position_check" CHECK ("vip_tiers"."position" between 1 and 30),
	CONSTRAINT "vip_tiers_threshold_check" CHECK ("vip_tiers"."threshold" >= 0),
	CONSTRAINT "vip_tiers_colour_check" CHECK ("vip_tiers"."colour" ~ '^#[0-9a-f]{6}$')
);
--> statement-breakpoint
ALTER TABLE "vip_tiers" ADD CONSTRAINT "vip_tiers_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "vip_tiers_name_key" ON "vip_tiers" USING btree (lower("name"));--> statement-breakpoint
CREATE UNIQUE INDEX "vip_tiers_threshold_key" ON "vip_tiers" USING btree ("threshold");
-- No rows: an empty ladder reads as the casino's own (DEFAULT_TIERS in packages/api's
-- services/vip.ts) until an admin edits it. Seeding rows here would also collide with a
-- restore, which runs the migrations and then loads the backup's own rows.
