import { queryRows, type Tx } from '@goated/db';
import { sql } from 'drizzle-orm';
import type { PlayerSnapshot } from './records';

/**
 * Rows per statement. Each chunk travels as one JSON parameter, so a 100,000-player feed is a
 * handful of round trips instead of thousands of bound parameters.
 */
export const DEFAULT_CHUNK_SIZE = 25_000;

export interface ApplyResult {
  /** Players whose stored figures actually changed (new players included). */
  changedPlayers: number;
  /** Per-day history rows written or changed. */
  changedDays: number;
  /** Snapshots older than what is stored: ignored, so totals never go backwards. */
  staleSnapshots: number;
  /** Their uids. */
  staleUids: string[];
  /** The UTC days (`YYYY-MM-DD`) whose history changed, oldest first: races over them moved. */
  changedDayRange: { first: string; last: string } | null;
}

interface ChunkRow extends Record<string, unknown> {
  changed_players: number;
  changed_days: number;
  stale: number;
  stale_uids: unknown;
  first_day: string | null;
  last_day: string | null;
}

/**
 * Upserts player totals and each snapshot's per-day history row inside the caller's
 * transaction. Idempotent (the same snapshot twice changes nothing) and monotonic in time: a
 * snapshot older than what is stored is ignored, so a late batch never moves totals backwards.
 *
 * Unchanged and stale rows are filtered out by a join before the upsert, so they cost a read,
 * not a row lock and a WAL record each; the upsert repeats the same conditions under the row
 * lock, which keeps it correct if another writer got there in between.
 */
export function applySnapshots(
  tx: Tx,
  snapshots: PlayerSnapshot[],
  chunkSize = DEFAULT_CHUNK_SIZE,
): Promise<ApplyResult> {
  return applyLatest(tx, byUid(latestPerUid(snapshots)), chunkSize);
}

/** One snapshot per uid: the last one of the batch, as upstream would have it. */
export function latestPerUid(snapshots: PlayerSnapshot[]): PlayerSnapshot[] {
  const latest = new Map<string, PlayerSnapshot>();
  for (const s of snapshots) {
    const prev = latest.get(s.uid);
    if (!prev || prev.upstreamUpdatedAt <= s.upstreamUpdatedAt) latest.set(s.uid, s);
  }
  return [...latest.values()];
}

/**
 * In uid order: a stable key order keeps index writes local and lock order the same for every
 * writer. Sorts in place.
 */
export function byUid(rows: PlayerSnapshot[]): PlayerSnapshot[] {
  return rows.sort((a, b) => (a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
}

/** `applySnapshots` for rows that are already one per uid (`latestPerUid`), in uid order (`byUid`). */
export async function applyLatest(
  tx: Tx,
  rows: PlayerSnapshot[],
  chunkSize = DEFAULT_CHUNK_SIZE,
): Promise<ApplyResult> {
  const result: ApplyResult = {
    changedPlayers: 0,
    changedDays: 0,
    staleSnapshots: 0,
    staleUids: [],
    changedDayRange: null,
  };
  for (let i = 0; i < rows.length; i += chunkSize) {
    const chunk = rows.slice(i, i + chunkSize);
    const [row] = await queryRows<ChunkRow>(tx, upsertChunk(chunk));
    if (!row) throw new Error('the upsert returned no summary row');
    result.changedPlayers += Number(row.changed_players);
    result.changedDays += Number(row.changed_days);
    result.staleSnapshots += Number(row.stale);
    if (Array.isArray(row.stale_uids)) {
      for (const uid of row.stale_uids) if (typeof uid === 'string') result.staleUids.push(uid);
    }
    if (row.first_day && row.last_day) {
      const range = result.changedDayRange;
      result.changedDayRange = {
        first: range && range.first < row.first_day ? range.first : row.first_day,
        last: range && range.last > row.last_day ? range.last : row.last_day,
      };
    }
  }
  return result;
}

function upsertChunk(chunk: PlayerSnapshot[]) {
  // Positional rows in one jsonb parameter: parsed once, then `->>` is a direct lookup (on
  // `json` every `->>` re-parses the element); measured faster than `json_to_recordset` and
  // than unnest() of per-column arrays, and the payload carries no repeated keys.
  const payload = JSON.stringify(
    chunk.map((s) => [
      s.uid,
      s.name,
      s.wagerToday,
      s.wagerWeek,
      s.wagerMonth,
      s.wagerAllTime,
      s.upstreamUpdatedAt.toISOString(),
    ]),
  );
  // One statement per chunk. The history insert runs after the players insert in the same
  // statement, and foreign keys are checked at its end, so new players' history rows are valid.
  return sql`
    with src as materialized (
      select e->>0 as u, e->>1 as n, (e->>2)::numeric(20,2) as t, (e->>3)::numeric(20,2) as w,
        (e->>4)::numeric(20,2) as m, (e->>5)::numeric(20,2) as a, (e->>6)::timestamptz as at
      from jsonb_array_elements(${payload}::jsonb) as e
    ),
    cmp as materialized (
      select src.*,
        p.uid is not null and p.upstream_updated_at > src.at as stale,
        p.uid is null or (
          p.upstream_updated_at <= src.at
          and (p.name, p.wager_today, p.wager_week, p.wager_month, p.wager_all_time)
            is distinct from (src.n, src.t, src.w, src.m, src.a)
        ) as moves
      from src left join players p on p.uid = src.u
    ),
    up_players as (
      insert into players as p (uid, name, wager_today, wager_week, wager_month, wager_all_time, upstream_updated_at)
      select u, n, t, w, m, a, at from cmp where moves order by u
      on conflict (uid) do update set
        name = excluded.name,
        wager_today = excluded.wager_today,
        wager_week = excluded.wager_week,
        wager_month = excluded.wager_month,
        wager_all_time = excluded.wager_all_time,
        upstream_updated_at = excluded.upstream_updated_at,
        updated_at = now()
      where p.upstream_updated_at <= excluded.upstream_updated_at
        and (p.name, p.wager_today, p.wager_week, p.wager_month, p.wager_all_time)
          is distinct from (excluded.name, excluded.wager_today, excluded.wager_week, excluded.wager_month, excluded.wager_all_time)
      returning 1
    ),
    days as (
      select src.u, (src.at at time zone 'UTC')::date as day, src.t, src.at from src
    ),
    up_days as (
      -- A day with nothing wagered and no row yet needs no row: history reads fill gaps with 0.
      insert into player_wager_days as d (player_uid, day, wagered, upstream_updated_at)
      select days.u, days.day, days.t, days.at
      from days left join player_wager_days o on o.player_uid = days.u and o.day = days.day
      where (o.player_uid is null and days.t > 0)
        or (o.upstream_updated_at <= days.at and o.wagered is distinct from days.t)
      order by days.u
      on conflict (player_uid, day) do update set
        wagered = excluded.wagered,
        upstream_updated_at = excluded.upstream_updated_at
      where d.upstream_updated_at <= excluded.upstream_updated_at
        and d.wagered is distinct from excluded.wagered
      returning d.day
    )
    select
      (select count(*) from up_players)::int as changed_players,
      (select count(*) from up_days)::int as changed_days,
      (select count(*) from cmp where stale)::int as stale,
      (select coalesce(json_agg(u), '[]'::json) from cmp where stale) as stale_uids,
      (select min(day)::text from up_days) as first_day,
      (select max(day)::text from up_days) as last_day`;
}
