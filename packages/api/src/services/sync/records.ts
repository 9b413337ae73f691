import { setImmediate as nextTurn } from 'node:timers/promises';
import { toDecimal } from '@goated/validators';
import { z } from 'zod';
import { quotable, stripInvisible, textProblem } from '../../text';

const DECIMAL_TEXT = /^\s*\d{1,18}(\.\d+)?\s*$/;
/** Totals above this are not wagers but a broken feed (and would overflow `numeric(20,2)`). */
const MAX_AMOUNT = 1e18;

/**
 * A non-negative amount: a JSON number or a decimal string, at most 18 digits before the point.
 * A plain predicate rather than a union of two schemas: this runs four times per record, for
 * every record of a 100,000-player feed.
 */
const amount = z
  .custom<number | string>(
    (v) =>
      typeof v === 'number'
        ? Number.isFinite(v) && v >= 0 && v < MAX_AMOUNT
        : typeof v === 'string' && DECIMAL_TEXT.test(v),
    { message: 'must be a non-negative decimal (a JSON number or a string like "12.34")' },
  )
  .meta({
    // The predicate above, for JSON Schema (the OpenAPI document of `POST /api/v1/sync/ingest`).
    anyOf: [
      { type: 'number', minimum: 0, exclusiveMaximum: MAX_AMOUNT },
      { type: 'string', pattern: DECIMAL_TEXT.source },
    ],
    description: 'A non-negative amount in USD: a JSON number or a decimal string',
  });

/** ISO 8601 with a UTC offset (`Z` or `±hh:mm`), seconds and fraction optional. */
const ISO_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})$/;

/** Feeds stamp most records with the same time: parse each distinct string once per batch. */
let lastIso = '';
let lastMs = Number.NaN;
function parseIso(text: string): number {
  if (text !== lastIso) {
    lastIso = text;
    lastMs = ISO_WITH_OFFSET.test(text) ? Date.parse(text) : Number.NaN;
  }
  return lastMs;
}

/** A NUL (the database refuses it) or an unpaired surrogate rejects the record, not the run. */
function storable(text: string, ctx: z.RefinementCtx): void {
  const problem = textProblem(text);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
}

const timestamp = z.string().transform((text, ctx) => {
  const ms = parseIso(text);
  if (Number.isNaN(ms)) {
    ctx.addIssue({ code: 'custom', message: 'must be an ISO 8601 time with an offset, e.g. 2026-11-21T12:00:00Z' });
    return z.NEVER;
  }
  return new Date(ms);
});

/**
 * One player as the affiliate's feed reports them. This is the documented upstream format
 * (see docs/UPSTREAM.md): totals per period, as JSON numbers or decimal strings.
 */
export const upstreamRecordSchema = z.object({
  uid: z.string().trim().min(1).max(128).superRefine(storable),
  name: z.string().trim().min(1).max(64).superRefine(storable),
  wagered: z.object({
    today: amount,
    this_week: amount,
    this_month: amount,
    all_time: amount,
  }),
  /** When upstream computed these figures; defaults to the time of the fetch. */
  updated_at: timestamp.optional(),
});
export type UpstreamRecord = z.input<typeof upstreamRecordSchema>;

/** The record format as JSON Schema, for documents that describe what may be pushed. */
export function upstreamRecordJsonSchema(): Record<string, unknown> {
  const { $schema: _, ...schema } = z.toJSONSchema(upstreamRecordSchema, { io: 'input', unrepresentable: 'any' });
  return schema;
}

/** A validated, normalized player snapshot, ready to upsert. */
export interface PlayerSnapshot {
  uid: string;
  name: string;
  wagerToday: string;
  wagerWeek: string;
  wagerMonth: string;
  wagerAllTime: string;
  upstreamUpdatedAt: Date;
}

/**
 * A control character, an invisible formatting character (bidi overrides, zero-width
 * characters), whitespace other than a plain space, or two spaces in a row.
 */
const NEEDS_CLEANING = /\p{Cc}|\p{Cf}|[^\S ]| {2}/u;

/**
 * Names are shown on public boards: collapse whitespace, strip control characters and
 * invisible formatting (a U+202E override would make a name read backwards).
 */
export function normalizeName(name: string): string {
  // Most names are clean already; one test is cheaper than three replaces.
  if (!NEEDS_CLEANING.test(name)) return name.trim();
  return stripInvisible(name)
    .replace(/\p{Cc}/gu, '')
    .replace(/\s+/g, ' ')
    .trim();
}

export function toSnapshot(record: z.output<typeof upstreamRecordSchema>, fetchedAt: Date): PlayerSnapshot {
  return {
    uid: record.uid,
    name: normalizeName(record.name) || record.uid,
    wagerToday: toDecimal(record.wagered.today),
    wagerWeek: toDecimal(record.wagered.this_week),
    wagerMonth: toDecimal(record.wagered.this_month),
    wagerAllTime: toDecimal(record.wagered.all_time),
    upstreamUpdatedAt: record.updated_at ?? fetchedAt,
  };
}

/** How far ahead of our clock an upstream timestamp may be (clock skew) before it is refused. */
export const MAX_FUTURE_SKEW_MS = 24 * 60 * 60 * 1000;

export interface RejectedRecord {
  index: number;
  uid: string | null;
  reason: string;
}

export interface ParsedRecords {
  snapshots: PlayerSnapshot[];
  rejected: RejectedRecord[];
}

/** Validates each record on its own: bad records are reported and skipped, never fatal. */
export function parseRecords(input: unknown[], fetchedAt: Date): ParsedRecords {
  const out: ParsedRecords = { snapshots: [], rejected: [] };
  parseRange(input, 0, input.length, fetchedAt, out);
  return out;
}

/** Records validated between two turns of the event loop: a few milliseconds of work. */
export const RECORDS_PER_TURN = 1000;

/**
 * `parseRecords` in parts of `partSize` records, yielding to the event loop every
 * `recordsPerTurn` records, so a 100,000-record feed never holds the loop for long (WebSocket
 * pings, requests and pushes keep flowing during a big sync) and the caller can hand one part
 * to the database while the next is validated. Rejections carry indexes into `input`.
 * `firstPartSize` (at least 1) can make the first part smaller, so the database starts sooner.
 */
export function parseRecordsInParts(
  input: unknown[],
  fetchedAt: Date,
  partSize: number,
  recordsPerTurn = RECORDS_PER_TURN,
  firstPartSize = partSize,
): AsyncGenerator<ParsedRecords> {
  return parseBatchesInParts(oneBatch(input), fetchedAt, partSize, recordsPerTurn, firstPartSize);
}

async function* oneBatch(input: unknown[]): AsyncGenerator<unknown[]> {
  yield input;
}

/**
 * `parseRecordsInParts` over records that arrive in batches (as a big feed page is parsed, a
 * slice at a time): parts are cut from the stream whatever the batches' sizes, and rejections
 * carry indexes into the whole feed.
 */
export async function* parseBatchesInParts(
  batches: AsyncIterable<readonly unknown[]>,
  fetchedAt: Date,
  partSize: number,
  recordsPerTurn = RECORDS_PER_TURN,
  firstPartSize = partSize,
): AsyncGenerator<ParsedRecords> {
  const perTurn = Math.max(1, recordsPerTurn);
  let out: ParsedRecords = { snapshots: [], rejected: [] };
  let want = Math.max(1, firstPartSize);
  let inPart = 0;
  let sinceTurn = 0;
  /** The feed index of the batch's first record. */
  let batchStart = 0;
  for await (const batch of batches) {
    for (let from = 0; from < batch.length; ) {
      if (sinceTurn >= perTurn) {
        await nextTurn();
        sinceTurn = 0;
      }
      const to = Math.min(batch.length, from + want - inPart, from + perTurn - sinceTurn);
      parseRange(batch, from, to, fetchedAt, out, batchStart);
      inPart += to - from;
      sinceTurn += to - from;
      from = to;
      if (inPart === want) {
        yield out;
        out = { snapshots: [], rejected: [] };
        want = Math.max(1, partSize);
        inPart = 0;
        sinceTurn = 0;
      }
    }
    batchStart += batch.length;
  }
  if (inPart > 0) yield out;
}

function parseRange(
  input: readonly unknown[],
  from: number,
  to: number,
  fetchedAt: Date,
  out: ParsedRecords,
  /** The feed index of `input[0]`. */
  offset = 0,
): void {
  for (let i = from; i < to; i++) {
    const raw = input[i];
    const index = offset + i;
    const parsed = upstreamRecordSchema.safeParse(raw);
    if (parsed.success) {
      const at = parsed.data.updated_at;
      // A timestamp far in the future would pin the player: every later snapshot would look stale.
      if (at && at.getTime() - fetchedAt.getTime() > MAX_FUTURE_SKEW_MS) {
        out.rejected.push({ index, uid: parsed.data.uid, reason: 'updated_at: is more than a day in the future' });
        continue;
      }
      out.snapshots.push(toSnapshot(parsed.data, fetchedAt));
      continue;
    }
    out.rejected.push({ index, uid: uidOf(raw), reason: describeIssues(parsed.error.issues) });
  }
}

/** A rejected record's uid as it can be stored in the sync log (it may be what was wrong). */
function uidOf(raw: unknown): string | null {
  const uid = rawUidOf(raw);
  return uid === null ? null : quotable(uid);
}

function rawUidOf(raw: unknown): string | null {
  return raw && typeof raw === 'object' && 'uid' in raw && typeof raw.uid === 'string' ? raw.uid : null;
}

function describeIssues(issues: readonly z.core.$ZodIssue[]): string {
  return issues.map((issue) => `${issue.path.join('.') || '(record)'}: ${issue.message}`).join('; ');
}

/** Whether two records claim the same uid (checked before validation: a cheap pass). */
export function hasRepeatedUids(input: unknown[]): boolean {
  const seen = new Set<string>();
  for (const raw of input) {
    const uid = rawUidOf(raw);
    if (uid === null) continue;
    // Validation trims uids; compare them as it will.
    const key = uid.trim();
    if (seen.has(key)) return true;
    seen.add(key);
  }
  return false;
}
