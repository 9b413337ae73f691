/**
 * What a run reports: its result (returned to the caller and the schedule's `onResult`) and
 * the transformation-log entry written with it.
 */
import { DrizzleQueryError } from 'drizzle-orm';
import type { NewLogEntry } from '../logs';
import type { ApplyResult } from './apply';
import type { RejectedRecord } from './records';
import { UpstreamError } from './source';

export type SyncTrigger = 'schedule' | 'manual' | 'ingest';

export interface SyncRunResult {
  /** 0 when the run was skipped. */
  runId: number;
  status: 'succeeded' | 'failed' | 'skipped';
  trigger: SyncTrigger;
  source: string;
  recordsIn: number;
  recordsOut: number;
  recordsSkipped: number;
  /** Players whose stored figures changed. */
  changedPlayers: number;
  /** Valid records older than what is stored, ignored. */
  staleRecords: number;
  /** Valid records this process knew to be unchanged, so not sent to the database. */
  knownUnchanged: number;
  durationMs: number;
  /** Where the time went (absent for skipped and failed runs). */
  phases?: SyncPhases;
  /** Why records were skipped (the first 100). */
  rejected: RejectedRecord[];
  error?: string;
  /** The HTTP status of the upstream's refusal, when a pulled run failed on one (e.g. 401). */
  upstreamStatus?: number;
}

export interface SyncPhases {
  /** Fetching from upstream, retries included (0 for a pushed batch). */
  fetchMs: number;
  /** Validating and normalizing every record. */
  validateMs: number;
  /** The upserts, inside the transaction. */
  applyMs: number;
}

/** What is known of a run before it is applied. */
export interface RunBase {
  trigger: SyncTrigger;
  source: string;
  recordsIn: number;
}

export const REJECTED_IN_RESULT = 100;
export const REJECTED_IN_LOG = 50;

export const fmt = (n: number) => n.toLocaleString('en-US');
export const elapsed = (since: number) => Math.round(performance.now() - since);

/**
 * A failure's message for logs and results. A failed query's own message repeats the SQL and
 * its parameters (a whole batch): what went wrong is the database's error, its cause.
 */
export function messageOf(err: unknown): string {
  if (err instanceof DrizzleQueryError && err.cause instanceof Error) return err.cause.message;
  return err instanceof Error ? err.message : String(err);
}

/** Every record of a non-empty feed failed validation: most likely the upstream format changed. */
export class AllRejected extends Error {
  constructor(
    total: number,
    readonly rejected: RejectedRecord[],
  ) {
    super(
      `all ${total} records were invalid (first: ${rejected[0]?.reason ?? 'unknown'}); has the upstream format changed?`,
    );
  }
}

/** A run that did nothing: skipped, or failed before it started. */
export function emptyResult(trigger: SyncTrigger, source: string, status: SyncRunResult['status']): SyncRunResult {
  return {
    runId: 0,
    status,
    trigger,
    source,
    recordsIn: 0,
    recordsOut: 0,
    recordsSkipped: 0,
    changedPlayers: 0,
    staleRecords: 0,
    knownUnchanged: 0,
    durationMs: 0,
    rejected: [],
  };
}

/** A run not started because another is in progress (here or on another instance). */
export function skippedResult(trigger: SyncTrigger, source: { name: string }): SyncRunResult {
  return { ...emptyResult(trigger, source.name, 'skipped'), error: 'already running' };
}

/** The result of a pulled run that failed after it was recorded. */
export function failedResult(
  runId: number,
  base: RunBase,
  rejected: RejectedRecord[],
  durationMs: number,
  message: string,
  err: unknown,
): SyncRunResult {
  return {
    runId,
    status: 'failed',
    trigger: base.trigger,
    source: base.source,
    recordsIn: base.recordsIn,
    recordsOut: 0,
    recordsSkipped: rejected.length,
    changedPlayers: 0,
    staleRecords: 0,
    knownUnchanged: 0,
    durationMs,
    rejected: rejected.slice(0, REJECTED_IN_RESULT),
    error: message,
    ...(err instanceof UpstreamError && err.detail.status ? { upstreamStatus: err.detail.status } : {}),
  };
}

/** The result and log entry of a successful apply. */
export function describeApply(
  base: RunBase & { phases: SyncPhases },
  recordsOut: number,
  rejected: RejectedRecord[],
  applied: ApplyResult,
  knownUnchanged: number,
  started: number,
): { status: 'succeeded' | 'failed'; error?: string; result: SyncRunResult; log: NewLogEntry } {
  const durationMs = Math.round(performance.now() - started);
  const allRejected = base.recordsIn > 0 && recordsOut === 0;
  const verb = base.trigger === 'ingest' ? 'Ingested' : 'Synced';
  const stale = applied.staleSnapshots > 0 ? `; ${fmt(applied.staleSnapshots)} older than stored, ignored` : '';
  const message = allRejected
    ? `${verb} nothing from ${base.source}: all ${fmt(base.recordsIn)} records were invalid`
    : rejected.length > 0
      ? `${verb} ${fmt(recordsOut)} of ${fmt(base.recordsIn)} records from ${base.source}; skipped ${fmt(rejected.length)} invalid; ${fmt(applied.changedPlayers)} players changed${stale}`
      : `${verb} ${fmt(recordsOut)} records from ${base.source}; ${fmt(applied.changedPlayers)} players changed${stale}`;
  const error = allRejected ? `all ${base.recordsIn} records were invalid` : undefined;
  const status = allRejected ? 'failed' : 'succeeded';
  return {
    status,
    ...(error ? { error } : {}),
    result: {
      runId: 0,
      status,
      trigger: base.trigger,
      source: base.source,
      recordsIn: base.recordsIn,
      recordsOut: recordsOut,
      recordsSkipped: rejected.length,
      changedPlayers: applied.changedPlayers,
      staleRecords: applied.staleSnapshots,
      knownUnchanged,
      durationMs,
      phases: base.phases,
      rejected: rejected.slice(0, REJECTED_IN_RESULT),
      ...(error ? { error } : {}),
    },
    log: {
      type: allRejected ? 'error' : rejected.length > 0 ? 'warning' : 'info',
      message,
      recordsIn: base.recordsIn,
      recordsOut: recordsOut,
      recordsSkipped: rejected.length,
      durationMs,
      details: {
        trigger: base.trigger,
        source: base.source,
        changedPlayers: applied.changedPlayers,
        changedDays: applied.changedDays,
        staleRecords: applied.staleSnapshots,
        knownUnchanged,
        phases: base.phases,
        ...(rejected.length > 0 ? { rejected: rejected.slice(0, REJECTED_IN_LOG) } : {}),
      },
    },
  };
}
