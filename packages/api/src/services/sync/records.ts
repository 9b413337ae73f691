import { z } from 'zod';
import { toDecimal } from './decimal';

const amount = z.union([
  z.number().finite().nonnegative(),
  z.string().regex(/^\s*\d+(\.\d+)?\s*$/, 'must be a non-negative decimal'),
]);

/**
 * One player as the affiliate's feed reports them. This is the documented upstream format
 * (see docs/ARCHITECTURE.md): totals per period, as JSON numbers or decimal strings.
 */
export const upstreamRecordSchema = z.object({
  uid: z.string().trim().min(1).max(128),
  name: z.string().trim().min(1).max(64),
  wagered: z.object({
    today: amount,
    this_week: amount,
    this_month: amount,
    all_time: amount,
  }),
  /** When upstream computed these figures; defaults to the time of the fetch. */
  updated_at: z.iso
    .datetime({ offset: true })
    .transform((iso) => new Date(iso))
    .optional(),
});
export type UpstreamRecord = z.input<typeof upstreamRecordSchema>;

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

/** Names are shown on public boards: collapse whitespace and strip control characters. */
export function normalizeName(name: string): string {
  return name
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

export interface RejectedRecord {
  index: number;
  uid: string | null;
  reason: string;
}

/** Validates each record on its own: bad records are reported and skipped, never fatal. */
export function parseRecords(
  input: unknown[],
  fetchedAt: Date,
): { snapshots: PlayerSnapshot[]; rejected: RejectedRecord[] } {
  const snapshots: PlayerSnapshot[] = [];
  const rejected: RejectedRecord[] = [];
  input.forEach((raw, index) => {
    const parsed = upstreamRecordSchema.safeParse(raw);
    if (parsed.success) {
      snapshots.push(toSnapshot(parsed.data, fetchedAt));
      return;
    }
    const uid = raw && typeof raw === 'object' && 'uid' in raw && typeof raw.uid === 'string' ? raw.uid : null;
    const reason = parsed.error.issues
      .map((issue) => `${issue.path.join('.') || '(record)'}: ${issue.message}`)
      .join('; ');
    rejected.push({ index, uid, reason });
  });
  return { snapshots, rejected };
}
