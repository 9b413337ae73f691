-- Name search (issue #22) answers from this index alone: a prefix's matches are read, sorted by
-- the period's wager and cut to a page without visiting the table (an index-only scan where the
-- table's pages are all-visible, as after a vacuum). Before, each match cost a visit to the
-- table: 1,111 of them for a three-digit prefix at 1,000,000 players, the bulk of a search's
-- time. Same name and key as the index it replaces (migration 0000; drizzle's index builder
-- has no INCLUDE), so the schema's declaration still names it.
DROP INDEX "players_name_search_idx";
--> statement-breakpoint
CREATE INDEX "players_name_search_idx" ON "players" USING btree (lower("name") text_pattern_ops)
  INCLUDE ("uid", "name", "wager_today", "wager_week", "wager_month", "wager_all_time");
