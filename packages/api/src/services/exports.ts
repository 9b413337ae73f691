/**
 * The admin CSV exports as batch sources: each is an async generator that reads its table in
 * keyset-ordered batches (one short query per batch, never one long transaction or cursor, so
 * other queries interleave on PGlite's single session) and yields each batch as rows of cells.
 * The server turns a batch into one CSV chunk and asks for the next only as the client takes
 * them: memory stays that of a batch or two whatever the size of the export.
 */
import { type Db, queryRows, schema } from '@goated/db';
import { type Period, periods } from '@goated/validators';
import { and, asc, desc, eq, gt, lt, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import { notFound } from '../errors';
import { auditFilterInput, auditFilters } from './audit';
import { entriesWithNames } from './challenge-entries';
import { logFilters, logTypes } from './logs';
import { RACE_RESULTS_KEPT, raceResultsOf, rankRace } from './races';

const { players, users, bonusClaims, bonusCodes, challengeEntries, auditLog, transformationLogs, races } = schema;

/** Rows per query: large enough that round trips do not dominate, small enough to hold. */
export const BATCH = 5000;
export type Cell = string | number | boolean | null;

export interface ExportSource {
  /** The file name's stem, e.g. `leaderboard-month`. */
  name: string;
  header: string[];
  /** The rows in file order, a batch (one query's worth) at a time. */
  batches: AsyncGenerator<Cell[][]>;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);
const periodColumn = {
  today: players.wagerToday,
  week: players.wagerWeek,
  month: players.wagerMonth,
  all: players.wagerAllTime,
} as const;

export const exportKinds = [
  'leaderboard',
  'race-results',
  'users',
  'bonus-claims',
  'challenge-entries',
  'audit',
  'logs',
] as const;
export type ExportKind = (typeof exportKinds)[number];

const optionalDate = z.coerce.date({ message: 'must be a date such as 2026-03-01' }).optional();
const optionalId = z.coerce.number({ message: 'must be a number' }).int().positive().optional();

/** Query-string parameters of each export (strings in, typed out). */
export const exportParams = {
  leaderboard: z.object({ period: z.enum(periods).default('month') }),
  'race-results': z.object({ raceId: z.coerce.number({ message: 'must be a number' }).int().positive() }),
  users: z.object({}),
  'bonus-claims': z.object({ codeId: optionalId }),
  'challenge-entries': z.object({ challengeId: optionalId }),
  audit: auditFilterInput.extend({ since: optionalDate, until: optionalDate }),
  logs: z.object({
    type: z.enum(logTypes).optional(),
    search: z.string().trim().min(1).max(200).optional(),
    since: optionalDate,
    until: optionalDate,
  }),
} satisfies Record<ExportKind, z.ZodType>;

interface BoardRow extends Record<string, unknown> {
  uid: string;
  name: string;
  wager: string;
}

/**
 * Ranked players of a period (wager > 0), in board order, with their overall rank. Each batch
 * walks the period's `(wager DESC, uid)` index on from the last row as two ranges — the rest of
 * the last amount's ties (`wager = w and uid > u`), then lower amounts (`wager < w`) — because one
 * `OR` of both would make PostgreSQL scan from the top of the board for every batch. The two are
 * one statement (a Merge Append of two index scans, stopped by the limit): one round trip per
 * batch instead of two read the board ~25 % faster.
 */
async function* leaderboardBatches(db: Db, period: Period, size: number): AsyncGenerator<Cell[][]> {
  const wager = periodColumn[period];
  const pick = sql`select ${players.uid} as uid, ${players.name} as name, ${wager} as wager from ${players}`;
  let after: BoardRow | null = null;
  let rank = 0;
  // Amounts come back as exact decimal strings on both engines (numeric is never a float here).
  for (;;) {
    const rows: BoardRow[] = await queryRows<BoardRow>(
      db,
      after
        ? sql`(${pick} where ${wager} = ${after.wager}::numeric and ${players.uid} > ${after.uid}
               order by ${players.uid} limit ${size})
              union all
              (${pick} where ${wager} > 0 and ${wager} < ${after.wager}::numeric
               order by ${wager} desc, ${players.uid} limit ${size})
              order by wager desc, uid limit ${size}`
        : sql`${pick} where ${wager} > 0 order by ${wager} desc, ${players.uid} limit ${size}`,
    );
    if (rows.length > 0) yield rows.map((row) => [++rank, row.uid, row.name, row.wager]);
    const last = rows.at(-1);
    if (!last || rows.length < size) return;
    after = last;
  }
}

/** Pages of `load(afterKey)` until one comes back short. */
async function* keyset<R, K>(
  size: number,
  load: (after: K | null) => Promise<R[]>,
  keyOf: (row: R) => K,
  toCells: (row: R) => Cell[],
): AsyncGenerator<Cell[][]> {
  let after: K | null = null;
  for (;;) {
    const rows = await load(after);
    if (rows.length > 0) yield rows.map(toCells);
    const last = rows.at(-1);
    if (!last || rows.length < size) return;
    after = keyOf(last);
  }
}

async function* raceBatches(db: Db, raceId: number): AsyncGenerator<Cell[][]> {
  const [race] = await db.select().from(races).where(eq(races.id, raceId));
  if (!race) throw notFound('Race');
  const standings =
    race.status === 'completed'
      ? await raceResultsOf(db, raceId, RACE_RESULTS_KEPT)
      : race.status === 'cancelled'
        ? []
        : await rankRace(db, race, 10_000);
  if (standings.length > 0) {
    yield standings.map((s) => [race.id, race.name, race.status, s.rank, s.uid, s.name, s.wagered, s.prize]);
  }
}

/**
 * Checks the parameters and opens the export; throws a zod error for bad parameters. `batchSize`
 * is for tests (batch edges with few rows).
 */
export function openExport(db: Db, kind: ExportKind, query: Record<string, unknown>, batchSize = BATCH): ExportSource {
  const size = batchSize;
  switch (kind) {
    case 'leaderboard': {
      const { period } = exportParams.leaderboard.parse(query);
      return {
        name: `leaderboard-${period}`,
        header: ['rank', 'uid', 'name', 'wagered'],
        batches: leaderboardBatches(db, period, size),
      };
    }
    case 'race-results': {
      const { raceId } = exportParams['race-results'].parse(query);
      return {
        name: `race-${raceId}-results`,
        header: ['race_id', 'race', 'status', 'rank', 'uid', 'name', 'wagered', 'prize'],
        batches: raceBatches(db, raceId),
      };
    }
    case 'users':
      return {
        name: 'users',
        header: ['id', 'username', 'role', 'banned', 'player_uid', 'telegram_linked', 'created_at'],
        batches: keyset(
          size,
          (after: string | null) =>
            db
              .select()
              .from(users)
              .where(after ? gt(users.username, after) : undefined)
              .orderBy(asc(users.username))
              .limit(size),
          (row) => row.username,
          (u) => [u.id, u.displayName, u.role, u.banned, u.playerUid, u.telegramId !== null, iso(u.createdAt)],
        ),
      };
    case 'bonus-claims': {
      const { codeId } = exportParams['bonus-claims'].parse(query);
      return {
        name: codeId ? `bonus-claims-${codeId}` : 'bonus-claims',
        header: ['claim_id', 'code', 'user_id', 'username', 'claimed_at'],
        batches: keyset(
          size,
          (after: number | null) =>
            db
              .select({
                id: bonusClaims.id,
                code: bonusCodes.code,
                userId: bonusClaims.userId,
                username: users.displayName,
                claimedAt: bonusClaims.claimedAt,
              })
              .from(bonusClaims)
              .innerJoin(bonusCodes, eq(bonusCodes.id, bonusClaims.codeId))
              .innerJoin(users, eq(users.id, bonusClaims.userId))
              .where(
                and(codeId ? eq(bonusClaims.codeId, codeId) : undefined, after ? lt(bonusClaims.id, after) : undefined),
              )
              .orderBy(desc(bonusClaims.id))
              .limit(size),
          (row) => row.id,
          (c) => [c.id, c.code, c.userId, c.username, iso(c.claimedAt)],
        ),
      };
    }
    case 'challenge-entries': {
      const { challengeId } = exportParams['challenge-entries'].parse(query);
      return {
        name: challengeId ? `challenge-${challengeId}-entries` : 'challenge-entries',
        header: [
          'entry_id',
          'challenge',
          'username',
          'bet_reference',
          'multiplier',
          'bet_amount',
          'status',
          'submitted_at',
        ],
        batches: keyset(
          size,
          (after: number | null) =>
            entriesWithNames(db)
              .where(
                and(
                  challengeId ? eq(challengeEntries.challengeId, challengeId) : undefined,
                  after ? lt(challengeEntries.id, after) : undefined,
                ),
              )
              .orderBy(desc(challengeEntries.id))
              .limit(size),
          (row) => row.id,
          (e) => [
            e.id,
            e.challengeTitle,
            e.username,
            e.betReference,
            e.multiplier,
            e.betAmount,
            e.status,
            iso(e.createdAt),
          ],
        ),
      };
    }
    case 'audit': {
      const filters = auditFilters(exportParams.audit.parse(query));
      return {
        name: 'audit-log',
        header: [
          'id',
          'at',
          'actor',
          'actor_user_id',
          'actor_api_key_id',
          'action',
          'target_type',
          'target_id',
          'ip',
          'details',
        ],
        batches: keyset(
          size,
          (after: number | null) =>
            db
              .select({ entry: auditLog, actor: users.displayName })
              .from(auditLog)
              .leftJoin(users, eq(users.id, auditLog.actorUserId))
              .where(and(...filters, after ? lt(auditLog.id, after) : undefined))
              .orderBy(desc(auditLog.id))
              .limit(size),
          (row) => row.entry.id,
          ({ entry: a, actor }) => [
            a.id,
            iso(a.createdAt),
            actor,
            a.actorUserId,
            a.actorApiKeyId,
            a.action,
            a.targetType,
            a.targetId,
            a.ip,
            a.details ? JSON.stringify(a.details) : null,
          ],
        ),
      };
    }
    case 'logs': {
      const params = exportParams.logs.parse(query);
      const filters: SQL[] = logFilters(params);
      if (params.since)
        filters.push(sql`${transformationLogs.createdAt} >= ${params.since.toISOString()}::timestamptz`);
      if (params.until) filters.push(sql`${transformationLogs.createdAt} < ${params.until.toISOString()}::timestamptz`);
      return {
        name: 'transformation-log',
        header: [
          'id',
          'at',
          'type',
          'message',
          'records_in',
          'records_out',
          'records_skipped',
          'duration_ms',
          'run_id',
        ],
        batches: keyset(
          size,
          (after: number | null) =>
            db
              .select()
              .from(transformationLogs)
              .where(and(...filters, after ? lt(transformationLogs.id, after) : undefined))
              .orderBy(desc(transformationLogs.id))
              .limit(size),
          (row) => row.id,
          (l) => [
            l.id,
            iso(l.createdAt),
            l.type,
            l.message,
            l.recordsIn,
            l.recordsOut,
            l.recordsSkipped,
            l.durationMs,
            l.runId,
          ],
        ),
      };
    }
  }
}
