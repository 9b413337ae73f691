import { type Db, schema, type Tx } from '@goated/db';
import { and, asc, desc, eq, gt, gte, lt, lte, max, type SQL, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { EventBus } from '../events/bus';

const { transformationLogs, syncRuns } = schema;

export const logTypes = ['info', 'warning', 'error'] as const;
export type LogType = (typeof logTypes)[number];

/**
 * Transaction-level advisory lock taken by every log write just before its insert and held
 * to commit, so entries become visible in id order. Without it an entry could commit after a
 * higher id had already been streamed, and a client resuming from that higher id would never
 * see it.
 */
export const LOG_ORDER_LOCK = 7_220_004;

export interface LogEntry {
  id: number;
  runId: number | null;
  type: LogType;
  message: string;
  recordsIn: number;
  recordsOut: number;
  recordsSkipped: number;
  durationMs: number;
  details: Record<string, unknown> | null;
  createdAt: Date;
}

export interface NewLogEntry {
  runId?: number | null;
  type: LogType;
  message: string;
  recordsIn?: number;
  recordsOut?: number;
  recordsSkipped?: number;
  durationMs?: number;
  details?: Record<string, unknown> | null;
}

/** Writes one entry inside the caller's transaction; it becomes visible when that commits. */
export async function insertLog(tx: Tx, entry: NewLogEntry): Promise<LogEntry> {
  await tx.execute(sql`select pg_advisory_xact_lock(${LOG_ORDER_LOCK})`);
  const [row] = await tx
    .insert(transformationLogs)
    .values({
      runId: entry.runId ?? null,
      type: entry.type,
      message: entry.message,
      recordsIn: entry.recordsIn ?? 0,
      recordsOut: entry.recordsOut ?? 0,
      recordsSkipped: entry.recordsSkipped ?? 0,
      durationMs: Math.round(entry.durationMs ?? 0),
      details: entry.details ?? null,
    })
    .returning();
  if (!row) throw new Error('the log entry was not written');
  return row;
}

/** Writes one entry in a transaction of its own. */
export function writeLog(db: Db, entry: NewLogEntry): Promise<LogEntry> {
  return db.transaction((tx) => insertLog(tx, entry));
}

/** Tells live subscribers (on every instance, through the bus) that an entry was committed. */
export function publishLog(bus: EventBus, entry: LogEntry): Promise<void> {
  return bus.publish('log.created', {
    id: entry.id,
    type: entry.type,
    message: entry.message,
    at: entry.createdAt.toISOString(),
  });
}

/** Words anywhere in the message, case-insensitive (`%` and `_` are taken literally). */
const searchText = z.string().trim().min(1).max(200);

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The filters `logs.list`, `logs.onLog` and the CSV export share. */
export function logFilters(input: { type?: LogType | undefined; search?: string | undefined }): SQL[] {
  const conditions: SQL[] = [];
  if (input.type) conditions.push(eq(transformationLogs.type, input.type));
  if (input.search) conditions.push(sql`${transformationLogs.message} ilike ${`%${escapeLike(input.search)}%`}`);
  return conditions;
}

export const logListInput = z.object({
  type: z.enum(logTypes).optional(),
  search: searchText.optional(),
  /** Entries written at or after this time. */
  since: z.date().optional(),
  /** Entries written before this time. */
  until: z.date().optional(),
  /** The `nextCursor` of the previous page. */
  cursor: z.number().int().positive().nullish(),
  limit: z.number().int().min(1).max(200).default(50),
});

export interface LogPage {
  entries: LogEntry[];
  nextCursor: number | null;
}

/** Newest first, by id (which is commit order, see `LOG_ORDER_LOCK`). */
export async function listLogs(db: Db, input: z.output<typeof logListInput>): Promise<LogPage> {
  const conditions = logFilters(input);
  if (input.since) conditions.push(gte(transformationLogs.createdAt, input.since));
  if (input.until) conditions.push(lt(transformationLogs.createdAt, input.until));
  if (input.cursor) conditions.push(lt(transformationLogs.id, input.cursor));
  const rows = await db
    .select()
    .from(transformationLogs)
    .where(and(...conditions))
    .orderBy(desc(transformationLogs.id))
    .limit(input.limit + 1);
  const hasMore = rows.length > input.limit;
  const entries = hasMore ? rows.slice(0, input.limit) : rows;
  return { entries, nextCursor: hasMore ? (entries.at(-1)?.id ?? null) : null };
}

/** Entries after `afterId`, oldest first: what a resuming subscriber missed. */
export function logsAfter(
  db: Db,
  afterId: number,
  filters: { type?: LogType | undefined; search?: string | undefined },
  limit: number,
): Promise<LogEntry[]> {
  return db
    .select()
    .from(transformationLogs)
    .where(and(gt(transformationLogs.id, afterId), ...logFilters(filters)))
    .orderBy(asc(transformationLogs.id))
    .limit(limit);
}

export async function latestLogId(db: Db): Promise<number> {
  const [row] = await db.select({ id: max(transformationLogs.id) }).from(transformationLogs);
  return row?.id ?? 0;
}

export const logStreamInput = z.object({
  type: z.enum(logTypes).optional(),
  /** Only entries whose message contains this (the live tail of a filtered view). */
  search: searchText.optional(),
  /** Sent back by reconnecting clients: the id of the last entry they received. */
  lastEventId: z
    .string()
    .regex(/^\d{1,15}$/, 'must be the id of a log entry')
    .nullish(),
});

const REPLAY_PAGE = 200;

/**
 * Entries as they are committed. With `lastEventId`, first every entry after it (in order),
 * then live ones; without, every entry committed after this call resolves. The starting point
 * and the bus subscription are fixed before it resolves (so before a client is told the
 * subscription started), not when the stream is first read.
 *
 * The database is the source of truth: a bus event only says "look again", so nothing is lost
 * between replay and live, a burst of events costs one query, and a slow consumer holds no
 * backlog in memory.
 */
export async function openLogStream(
  deps: { db: Db; bus: EventBus },
  input: z.output<typeof logStreamInput>,
  signal: AbortSignal | undefined,
): Promise<AsyncGenerator<LogEntry>> {
  let pending = true;
  let wake: (() => void) | undefined;
  const unsubscribe = deps.bus.subscribe('log.created', (event) => {
    if (input.type && event.type !== input.type) return;
    pending = true;
    wake?.();
  });
  const onAbort = () => wake?.();
  signal?.addEventListener('abort', onAbort);
  const stop = () => {
    unsubscribe();
    signal?.removeEventListener('abort', onAbort);
  };
  let after: number;
  try {
    after = input.lastEventId ? Number(input.lastEventId) : await latestLogId(deps.db);
  } catch (err) {
    stop();
    throw err;
  }

  async function* entries(): AsyncGenerator<LogEntry> {
    try {
      while (!signal?.aborted) {
        if (!pending) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
          continue;
        }
        pending = false;
        for (;;) {
          const page = await logsAfter(deps.db, after, input, REPLAY_PAGE);
          for (const entry of page) {
            after = entry.id;
            yield entry;
          }
          if (page.length < REPLAY_PAGE || signal?.aborted) break;
        }
      }
    } finally {
      stop();
    }
  }
  return entries();
}

/**
 * Deletes log entries older than `before`, and finished runs older than that with no entry
 * left. Returns how many of each went.
 */
export async function pruneLogs(db: Db, before: Date): Promise<{ logs: number; runs: number }> {
  const logs = await db
    .delete(transformationLogs)
    .where(lt(transformationLogs.createdAt, before))
    .returning({ id: transformationLogs.id });
  const runs = await db
    .delete(syncRuns)
    .where(
      and(
        lte(syncRuns.startedAt, before),
        sql`${syncRuns.status} <> 'running'`,
        sql`not exists (select 1 from ${transformationLogs} where ${transformationLogs.runId} = ${syncRuns.id})`,
      ),
    )
    .returning({ id: syncRuns.id });
  return { logs: logs.length, runs: runs.length };
}
