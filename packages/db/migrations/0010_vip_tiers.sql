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
CREATE UNIQUE INDEX "vip_tiers_threshold_key" ON "vip_tiers" USING btree ("threshold");--> statement-breakpoint
-- The casino's own ladder (USD), the default until an admin edits it.
INSERT INTO "vip_tiers" ("position", "name", "threshold", "colour") VALUES
	(1, 'Copper', 0, '#c46a3c'),
	(2, 'Bronze', 10000, '#a8773f'),
	(3, 'Silver', 40000, '#a9b4bf'),
	(4, 'Gold', 100000, '#e3b341'),
	(5, 'Platinum', 450000, '#7fc8c0'),
	(6, 'Pearl', 1500000, '#e8dccb'),
	(7, 'Sapphire', 3000000, '#3b73d9'),
	(8, 'Emerald', 7000000, '#2fae6a'),
	(9, 'Diamond', 20000000, '#9ad9ff');
