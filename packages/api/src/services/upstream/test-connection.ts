/**
 * "Test connection": one fetch from the feed, with no retries, reporting what came back —
 * status, time, record count, a sample and the records that would be rejected — without
 * applying anything.
 */
import { HttpUpstream } from '../sync/http-source';
import { parseRecords, type RejectedRecord } from '../sync/records';
import { UpstreamError } from '../sync/source';
import type { HttpTuning } from './source';

export interface ConnectionTest {
  ok: boolean;
  url: string;
  /** The HTTP status of the last answer (null when none came: timeout, network). */
  status: number | null;
  durationMs: number;
  records: number;
  valid: number;
  /** The first records as sent (at most 3). */
  sample: unknown[];
  /** Records that would be skipped, with the reason (at most 20). */
  rejected: RejectedRecord[];
  /** What went wrong, in words, when `ok` is false. */
  error: string | null;
}

export async function testUpstreamConnection(
  target: { url: string; token: string | undefined },
  tuning: Pick<HttpTuning, 'timeoutMs' | 'maxPages' | 'maxBytes'> & { fetch?: typeof fetch },
): Promise<ConnectionTest> {
  let status: number | null = null;
  const fetchImpl = tuning.fetch ?? fetch;
  const recordingFetch: typeof fetch = async (input, init) => {
    const response = await fetchImpl(input, init);
    status = response.status;
    return response;
  };
  const source = new HttpUpstream({
    url: target.url,
    token: target.token,
    retries: 0,
    timeoutMs: tuning.timeoutMs ?? 10_000,
    maxPages: tuning.maxPages ?? 1000,
    ...(tuning.maxBytes !== undefined ? { maxBytes: tuning.maxBytes } : {}),
    fetch: recordingFetch,
  });
  const started = performance.now();
  const base = { url: `${new URL(target.url).origin}${new URL(target.url).pathname}` };
  try {
    const raw = await source.fetchRecords();
    const durationMs = Math.round(performance.now() - started);
    const parsed = parseRecords(raw, new Date());
    const allRejected = raw.length > 0 && parsed.snapshots.length === 0;
    return {
      ...base,
      ok: !allRejected,
      status,
      durationMs,
      records: raw.length,
      valid: parsed.snapshots.length,
      sample: raw.slice(0, 3),
      rejected: parsed.rejected.slice(0, 20),
      error: allRejected ? 'Every record is invalid: has the feed’s format changed?' : null,
    };
  } catch (err) {
    const durationMs = Math.round(performance.now() - started);
    const refused = err instanceof UpstreamError && (err.detail.status === 401 || err.detail.status === 403);
    const message = err instanceof Error ? err.message : String(err);
    return {
      ...base,
      ok: false,
      status,
      durationMs,
      records: 0,
      valid: 0,
      sample: [],
      rejected: [],
      error: refused ? `The feed refuses this token (${message})` : message,
    };
  }
}
