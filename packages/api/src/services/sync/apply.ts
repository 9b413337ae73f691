import { setImmediate as nextTurn } from 'node:timers/promises';
import { queryRows, type Tx } from '@goated/db';
import { type SQL, sql } from 'drizzle-orm';
import { isUniqueViolation } from '../db-errors';
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
  /** Known players whose all-time wager crossed a tier threshold upwards (see `prepareUpserts`). */
  tierUps: TierUp[];
}

/** A player whose all-time wager went from `before` to `after`, over at least one threshold. */
export interface TierUp {
  uid: string;
  name: string;
  before: string;
  after: string;
}

interface ChunkRow extends Record<string, unknown> {
  changed_players: number;
  changed_days: number;
  stale: number;
  stale_uids: unknown;
  first_day: string | null;
  last_day: string | null;
  tier_ups: unknown;
}

/**
 * Upserts player totals and each snapshot's per-day history row inside the caller's
 * transaction. Idempotent (the same snapshot twice changes nothing) and monotonic in time: a
 * snapshot older than what is stored is ignored, so a late batch never moves totals backwards.
 *
 * Unchanged and stale rows are filtered out by a join before the upsert, so they cost a read,
 * not a row lock and a WAL record each. The update repeats the same conditions under the row
 * lock, and a new row that another writer inserted in between sends its chunk to INSERT … ON
 * CONFLICT (`runChunk`): correct if another writer got there first.
 */
export async function applySnapshots(
  tx: Tx,
  snapshots: PlayerSnapshot[],
  chunkSize = DEFAULT_CHUNK_SIZE,
  tierThresholds: readonly string[] = [],
): Promise<ApplyResult> {
  return runUpserts(tx, await prepareUpserts(byUid(latestPerUid(snapshots)), chunkSize, tierThresholds));
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

/**
 * One chunk's statement in two forms that write the same rows (see `runChunk`). They differ in
 * how they insert the rows that were not there when the statement began: `insertNew` with a
 * plain INSERT, `upsertNew` with INSERT … ON CONFLICT, which also copes with another writer
 * having inserted one of them meanwhile.
 */
export interface ChunkStatements {
  insertNew: SQL;
  upsertNew: SQL;
}

/**
 * The statements that write `rows` (one per uid, in uid order), `chunkSize` rows each. Built
 * apart from running them, so a caller can build the next part's while the database is busy
 * with the previous one. `tierThresholds` (the VIP ladder's, ascending) make each statement
 * also report the known players whose all-time wager crossed one of them upwards — compared
 * in the statement, old row against new, so it costs nothing beyond the rows that changed.
 */
export async function prepareUpserts(
  rows: PlayerSnapshot[],
  chunkSize = DEFAULT_CHUNK_SIZE,
  tierThresholds: readonly string[] = [],
): Promise<ChunkStatements[]> {
  const chunks: ChunkStatements[] = [];
  const thresholds = `{${tierThresholds.join(',')}}`;
  for (let i = 0; i < rows.length; i += chunkSize) {
    const payload = await payloadOf(rows.slice(i, i + chunkSize));
    chunks.push({
      insertNew: upsertChunk(payload, thresholds, false),
      upsertNew: upsertChunk(payload, thresholds, true),
    });
  }
  return chunks;
}

/** Rows serialized between two turns of the event loop (a few milliseconds of work). */
const ROWS_PER_TURN = 2000;

/**
 * A chunk as positional rows in one JSON array, serialized a slice at a time so a 25,000-row
 * chunk does not hold the event loop for tens of milliseconds.
 */
async function payloadOf(chunk: PlayerSnapshot[]): Promise<string> {
  const pieces: string[] = [];
  // Most snapshots of a feed share one timestamp: format it once.
  let lastMs = Number.NaN;
  let lastIso = '';
  const row = (s: PlayerSnapshot) => {
    const ms = s.upstreamUpdatedAt.getTime();
    if (ms !== lastMs) {
      lastMs = ms;
      lastIso = s.upstreamUpdatedAt.toISOString();
    }
    return [s.uid, s.name, s.wagerToday, s.wagerWeek, s.wagerMonth, s.wagerAllTime, lastIso];
  };
  for (let i = 0; i < chunk.length; i += ROWS_PER_TURN) {
    if (i > 0) await nextTurn();
    pieces.push(JSON.stringify(chunk.slice(i, i + ROWS_PER_TURN).map(row)).slice(1, -1));
  }
  return `[${pieces.join(',')}]`;
}

/** Runs `prepareUpserts`' statements in order inside the caller's transaction. */
export async function runUpserts(tx: Tx, chunks: ChunkStatements[]): Promise<ApplyResult> {
  const result = emptyApplyResult();
  for (const chunk of chunks) {
    const row = await runChunk(tx, chunk);
    const staleUids = Array.isArray(row.stale_uids)
      ? row.stale_uids.filter((uid): uid is string => typeof uid === 'string')
      : [];
    const tierUps = Array.isArray(row.tier_ups) ? row.tier_ups.filter(isTierUp) : [];
    mergeApplyResults(result, {
      changedPlayers: Number(row.changed_players),
      changedDays: Number(row.changed_days),
      staleSnapshots: Number(row.stale),
      staleUids,
      changedDayRange: row.first_day && row.last_day ? { first: row.first_day, last: row.last_day } : null,
      tierUps,
    });
  }
  return result;
}

/**
 * A chunk's plain-INSERT form under a savepoint; should another writer have inserted one of its
 * new rows since the statement began (a unique violation: only a writer outside the apply lock
 * can), the savepoint is rolled back and the ON CONFLICT form writes the chunk instead.
 * The plain INSERT skips what ON CONFLICT does for every row (a probe of the unique index before
 * the insert, a speculative insertion confirmed after it): ~8 % of a first load of 100,000
 * players (issue #22). The savepoint costs two round trips per chunk.
 */
async function runChunk(tx: Tx, chunk: ChunkStatements): Promise<ChunkRow> {
  let row: ChunkRow | undefined;
  try {
    row = await tx.transaction(async (savepoint) => (await queryRows<ChunkRow>(savepoint, chunk.insertNew))[0]);
  } catch (err) {
    if (!isUniqueViolation(err)) throw err;
    [row] = await queryRows<ChunkRow>(tx, chunk.upsertNew);
  }
  if (!row) throw new Error('the upsert returned no summary row');
  return row;
}

function isTierUp(value: unknown): value is TierUp {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.uid === 'string' &&
    typeof v.name === 'string' &&
    typeof v.before === 'string' &&
    typeof v.after === 'string'
  );
}

export function emptyApplyResult(): ApplyResult {
  return { changedPlayers: 0, changedDays: 0, staleSnapshots: 0, staleUids: [], changedDayRange: null, tierUps: [] };
}

/** Adds `part` into `total` (in place). */
export function mergeApplyResults(total: ApplyResult, part: ApplyResult): void {
  total.changedPlayers += part.changedPlayers;
  total.changedDays += part.changedDays;
  total.staleSnapshots += part.staleSnapshots;
  for (const uid of part.staleUids) total.staleUids.push(uid);
  for (const up of part.tierUps) total.tierUps.push(up);
  const a = total.changedDayRange;
  const b = part.changedDayRange;
  if (!b) return;
  // Days are `YYYY-MM-DD`: text order is date order.
  const [first] = [a?.first ?? b.first, b.first].sort();
  const [, last] = [a?.last ?? b.last, b.last].sort();
  total.changedDayRange = { first: first ?? b.first, last: last ?? b.last };
}

/** A new player another writer inserted meanwhile: changed as an update would change it. */
const newPlayerConflict = sql`on conflict (uid) do update set
        name = excluded.name,
        wager_today = excluded.wager_today,
        wager_week = excluded.wager_week,
        wager_month = excluded.wager_month,
        wager_all_time = excluded.wager_all_time,
        upstream_updated_at = excluded.upstream_updated_at,
        updated_at = now()
      where p.upstream_updated_at <= excluded.upstream_updated_at
        and (p.name, p.wager_today, p.wager_week, p.wager_month, p.wager_all_time)
          is distinct from (excluded.name, excluded.wager_today, excluded.wager_week, excluded.wager_month, excluded.wager_all_time)`;

/** The same for a new day of history. */
const newDayConflict = sql`on conflict (player_uid, day) do update set
        wagered = excluded.wagered,
        upstream_updated_at = excluded.upstream_updated_at
      where d.upstream_updated_at <= excluded.upstream_updated_at
        and d.wagered is distinct from excluded.wagered`;

function upsertChunk(payload: string, thresholds: string, onConflict: boolean) {
  // Positional rows in one jsonb parameter: parsed once, then `->>` is a direct lookup (on
  // `json` every `->>` re-parses the element); measured faster than `json_to_recordset` and
  // than unnest() of per-column arrays, and the payload carries no repeated keys.
  // One statement per chunk. Rows that exist are changed with UPDATE … FROM (measured about a
  // third faster than INSERT … ON CONFLICT DO UPDATE, which probes the unique index, fails,
  // then updates); only new rows go through the insert. The update repeats the staleness and
  // change checks under the row lock, so a concurrent writer in between is still handled; a
  // new row another writer inserted meanwhile fails the plain insert, and `onConflict` (the
  // statement `runChunk` falls back to) handles it the same way. The history writes run after
  // the players writes in the same statement, and foreign keys are checked at its end, so new
  // players' history rows are valid.
  return sql`
    with src as materialized (
      -- The day is taken from the parsed timestamp: OFFSET 0 keeps the planner from
      -- inlining "at" into it, which parsed each row's timestamp text twice (~15% of this CTE).
      select r.*, (r.at at time zone 'UTC')::date as day
      from (
        select e->>0 as u, e->>1 as n, (e->>2)::numeric(20,2) as t, (e->>3)::numeric(20,2) as w,
          (e->>4)::numeric(20,2) as m, (e->>5)::numeric(20,2) as a, (e->>6)::timestamptz as at
        from jsonb_array_elements(${payload}::jsonb) as e
        offset 0
      ) as r
    ),
    cmp as materialized (
      select src.*, p.uid is not null as known, p.wager_all_time as old_a,
        p.uid is not null and p.upstream_updated_at > src.at as stale,
        p.uid is null or (
          p.upstream_updated_at <= src.at
          and (p.name, p.wager_today, p.wager_week, p.wager_month, p.wager_all_time)
            is distinct from (src.n, src.t, src.w, src.m, src.a)
        ) as moves
      from src left join players p on p.uid = src.u
    ),
    changed_players as (
      update players p set
        name = c.n, wager_today = c.t, wager_week = c.w, wager_month = c.m, wager_all_time = c.a,
        upstream_updated_at = c.at, updated_at = now()
      from cmp c
      where c.moves and c.known and p.uid = c.u and p.upstream_updated_at <= c.at
        and (p.name, p.wager_today, p.wager_week, p.wager_month, p.wager_all_time)
          is distinct from (c.n, c.t, c.w, c.m, c.a)
      returning 1
    ),
    new_players as (
      insert into players as p (uid, name, wager_today, wager_week, wager_month, wager_all_time, upstream_updated_at)
      select u, n, t, w, m, a, at from cmp where not known order by u
      ${onConflict ? newPlayerConflict : sql``}
      returning 1
    ),
    day_cmp as materialized (
      -- A day with nothing wagered and no row yet needs no row: history reads fill gaps with 0.
      select src.u, src.day, src.t, src.at, o.player_uid is not null as known
      from src left join player_wager_days o on o.player_uid = src.u and o.day = src.day
      where (o.player_uid is null and src.t > 0)
        or (o.upstream_updated_at <= src.at and o.wagered is distinct from src.t)
    ),
    changed_days as (
      update player_wager_days d set wagered = c.t, upstream_updated_at = c.at
      from day_cmp c
      where c.known and d.player_uid = c.u and d.day = c.day
        and d.upstream_updated_at <= c.at and d.wagered is distinct from c.t
      returning d.day
    ),
    new_days as (
      insert into player_wager_days as d (player_uid, day, wagered, upstream_updated_at)
      select u, day, t, at from day_cmp where not known order by u
      ${onConflict ? newDayConflict : sql``}
      returning d.day
    ),
    up_days as (select day from changed_days union all select day from new_days)
    select
      (select count(*) from changed_players)::int + (select count(*) from new_players)::int as changed_players,
      (select count(*) from up_days)::int as changed_days,
      (select count(*) from cmp where stale)::int as stale,
      (select coalesce(json_agg(u), '[]'::json) from cmp where stale) as stale_uids,
      (select min(day)::text from up_days) as first_day,
      (select max(day)::text from up_days) as last_day,
      (select coalesce(json_agg(json_build_object('uid', u, 'name', n, 'before', old_a::text, 'after', a::text) order by u), '[]'::json)
        from cmp where known and moves and not stale and a > old_a
          and width_bucket(a, ${thresholds}::numeric[]) > width_bucket(old_a, ${thresholds}::numeric[])) as tier_ups`;
}
