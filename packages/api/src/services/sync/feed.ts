import type { Tx } from '@goated/db';
import type { AppliedState } from './applied-state';
import {
  byUid,
  type ChunkStatements,
  DEFAULT_CHUNK_SIZE,
  emptyApplyResult,
  latestPerUid,
  mergeApplyResults,
  prepareUpserts,
  runUpserts,
} from './apply';
import {
  hasRepeatedUids,
  type PlayerSnapshot,
  parseBatchesInParts,
  parseRecordsInParts,
  type RejectedRecord,
} from './records';
import { elapsed, type SyncPhases } from './results';
import type { FeedRecords } from './source';

/**
 * The first part is smaller: the database has nothing to do until it is validated (~10 ms per
 * 1,000 records), and while it writes this one the next, full-size part is validated.
 */
const FIRST_PART_SIZE = 5000;

export interface FeedOptions {
  fetchedAt: Date;
  /** What this process knows was applied last; only trusted when `stateWasCurrent`. */
  appliedState: AppliedState;
  stateWasCurrent: boolean;
  tierThresholds: string[];
  /** Players per part, and per upsert statement. */
  chunkSize?: number | undefined;
  recordsPerTurn?: number | undefined;
}

/**
 * A feed read as it was parsed turned out to repeat a uid, which the parts already written could
 * not take into account: only each player's latest record may be written, and counted once. The
 * transaction is to be rolled back and the feed applied whole (`applyFeed` with its array).
 */
export class RepeatedUids extends Error {
  override readonly name = 'RepeatedUids';
  constructor(readonly uid: string) {
    super(`the feed repeats the uid ${JSON.stringify(uid)}: it is applied whole`);
  }
}

/**
 * Validates a pulled feed part by part and writes each part while the next one is validated,
 * so the database and this process work at the same time; validation yields to the event
 * loop as it goes. All parts share the caller's transaction.
 *
 * `raw` is the whole feed (an array) or its records as they are parsed (`FeedRecords`, a big
 * page a slice at a time: the first part is written while the rest is still text). Whole, a feed
 * that repeats a uid is validated whole first: only each player's latest record may be written.
 * As parsed, the first repeat throws `RepeatedUids`, before the part holding it is written.
 */
export async function applyFeed(tx: Tx, raw: unknown[] | FeedRecords, options: FeedOptions, phases: SyncPhases) {
  const applyStarted = performance.now();
  const partSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
  const feed = {
    /** Whether the feed (whole) repeats a uid: only each player's latest record was written. */
    repeatedUids: false,
    recordsOut: 0,
    knownUnchanged: 0,
    rejected: [] as RejectedRecord[],
    applied: emptyApplyResult(),
  };
  options.appliedState.begin(options.stateWasCurrent);
  let writing: Promise<unknown> = Promise.resolve(null);
  /** Everything but the database's part: done while the previous part is being written. */
  const prepare = async (latest: PlayerSnapshot[]) => {
    const { toSend, known } = await options.appliedState.stage(latest, options.stateWasCurrent);
    feed.knownUnchanged += known;
    return prepareUpserts(byUid(toSend), partSize, options.tierThresholds);
  };
  const write = (statements: ChunkStatements[]) =>
    // Settled at once, so a failure waits for the next await instead of going unhandled.
    runUpserts(tx, statements).then(
      (applied) => mergeApplyResults(feed.applied, applied),
      (err: unknown) => ({ failed: err }),
    );
  const whole = Array.isArray(raw);
  const repeated = whole && hasRepeatedUids(raw);
  feed.repeatedUids = repeated;
  const firstPart = Math.min(partSize, FIRST_PART_SIZE);
  const parts = whole
    ? parseRecordsInParts(
        raw,
        options.fetchedAt,
        repeated ? Math.max(raw.length, 1) : partSize,
        options.recordsPerTurn,
        repeated ? Math.max(raw.length, 1) : firstPart,
      )
    : parseBatchesInParts(raw.batches(), options.fetchedAt, partSize, options.recordsPerTurn, firstPart);
  /** Uids of the parts so far, when the feed is read as parsed (a repeat is not known beforehand). */
  const seen = whole ? null : new Set<string>();
  try {
    for (;;) {
      const validateStarted = performance.now();
      const next = await parts.next();
      phases.validateMs += elapsed(validateStarted);
      if (next.done) break;
      const part = next.value;
      if (seen) {
        for (const { uid } of part.snapshots) {
          if (seen.has(uid)) throw new RepeatedUids(uid);
          seen.add(uid);
        }
      }
      feed.recordsOut += part.snapshots.length;
      feed.rejected.push(...part.rejected);
      const statements = await prepare(repeated ? latestPerUid(part.snapshots) : part.snapshots);
      throwIfFailed(await writing);
      writing = write(statements);
    }
  } catch (err) {
    // The part being written finishes first (its own failure, if any, matters no more): the
    // transaction is then rolled back in order.
    await writing;
    throw err;
  }
  throwIfFailed(await writing);
  phases.applyMs = elapsed(applyStarted);
  return feed;
}

function throwIfFailed(outcome: unknown): void {
  if (outcome && typeof outcome === 'object' && 'failed' in outcome) throw outcome.failed;
}
