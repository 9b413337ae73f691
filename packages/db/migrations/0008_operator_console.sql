CREATE TYPE "public"."race_cadence" AS ENUM('weekly', 'monthly');--> statement-breakpoint
CREATE TABLE "activity_days" (
	"kind" text NOT NULL,
	"day" date NOT NULL,
	"count" integer DEFAULT 0 NOT NULL,
	CONSTRAINT "activity_days_kind_day_pk" PRIMARY KEY("kind","day")
);
--> statement-breakpoint
CREATE TABLE "connection_days" (
	"day" date PRIMARY KEY NOT NULL,
	"peak" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "connection_samples" (
	"at" timestamp with time zone NOT NULL,
	"instance" text NOT NULL,
	"connections" integer NOT NULL,
	"subscriptions" integer NOT NULL,
	"sse_streams" integer NOT NULL,
	CONSTRAINT "connection_samples_at_instance_pk" PRIMARY KEY("at","instance")
);
--> statement-breakpoint
CREATE TABLE "sync_run_days" (
	"day" date PRIMARY KEY NOT NULL,
	"runs" integer DEFAULT 0 NOT NULL,
	"failed" integer DEFAULT 0 NOT NULL,
	"duration_ms" bigint DEFAULT 0 NOT NULL,
	"records_in" bigint DEFAULT 0 NOT NULL,
	"records_out" bigint DEFAULT 0 NOT NULL,
	"records_skipped" bigint DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "wager_day_totals" (
	"day" date PRIMARY KEY NOT NULL,
	"wagered" numeric(20, 2) DEFAULT '0' NOT NULL,
	"active_players" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
CREATE TABLE "race_templates" (
	"id" serial PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text DEFAULT '' NOT NULL,
	"cadence" "race_cadence" NOT NULL,
	"start_day" smallint NOT NULL,
	"start_time" text NOT NULL,
	"time_zone" text NOT NULL,
	"prize_pool" numeric(20, 2) NOT NULL,
	"prize_split" jsonb NOT NULL,
	"min_wager" numeric(20, 2) DEFAULT '0' NOT NULL,
	"lead_hours" integer DEFAULT 48 NOT NULL,
	"active" boolean DEFAULT true NOT NULL,
	"created_by" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "race_templates_lead_check" CHECK ("race_templates"."lead_hours" between 1 and 2000)
);
--> statement-breakpoint
CREATE TABLE "upstream_settings" (
	"id" integer PRIMARY KEY DEFAULT 1 NOT NULL,
	"url" text,
	"token" text,
	"updated_by" text,
	"updated_at" timestamp with time zone,
	"auth_failed_at" timestamp with time zone,
	"auth_failure_status" integer,
	CONSTRAINT "upstream_settings_single_row" CHECK ("upstream_settings"."id" = 1)
);
--> statement-breakpoint
ALTER TABLE "races" ADD COLUMN "min_wager" numeric(20, 2) DEFAULT '0' NOT NULL;--> statement-breakpoint
ALTER TABLE "races" ADD COLUMN "template_id" integer;--> statement-breakpoint
ALTER TABLE "races" ADD COLUMN "participants" integer;--> statement-breakpoint
ALTER TABLE "race_templates" ADD CONSTRAINT "race_templates_created_by_users_id_fk" FOREIGN KEY ("created_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "upstream_settings" ADD CONSTRAINT "upstream_settings_updated_by_users_id_fk" FOREIGN KEY ("updated_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "races" ADD CONSTRAINT "races_template_id_race_templates_id_fk" FOREIGN KEY ("template_id") REFERENCES "public"."race_templates"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "audit_log_target_idx" ON "audit_log" USING btree ("target_type","target_id","id" DESC NULLS LAST);--> statement-breakpoint
CREATE UNIQUE INDEX "races_template_start_key" ON "races" USING btree ("template_id","starts_at");