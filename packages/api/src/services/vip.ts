/**
 * The VIP ladder: tiers by all-time wager. Stored in `vip_tiers`, kept in memory per server
 * (one per event bus, like the read caches) and reloaded when `vip.tiersChanged` says an admin
 * replaced it — on every instance, through the bus. A player's tier is a binary search of the
 * in-memory thresholds, never a join, so leaderboards pay nothing measurable for it.
 */
import { type Db, schema } from '@goated/db';
import { centsToDecimal, toCents, toDecimal } from '@goated/validators';
import { asc } from 'drizzle-orm';
import { z } from 'zod';
import type { AppDeps } from '../context';
import type { EventBus } from '../events/bus';
import { type AuditActor, recordAudit } from './audit';

const { vipTiers } = schema;

export interface VipTier {
  /** 1 for the lowest tier, counting up. */
  rank: number;
  name: string;
  /** All-time wager at which a player reaches it (exact decimal). */
  threshold: string;
  /** `#rrggbb`. */
  colour: string;
}

/** The tier a leaderboard row, a race standing or a profile carries. */
export interface TierBadge {
  rank: number;
  name: string;
  colour: string;
}

/** How far a player is from the next tier. */
export interface TierProgress {
  /** null at the top of the ladder. */
  next: { name: string; threshold: string; colour: string } | null;
  /** What is left to wager to reach `next` (exact decimal); null at the top. */
  remaining: string | null;
  /** 0..1 of the way from the current tier's threshold to the next one's (1 at the top). */
  progress: number;
}

/** A ladder ready for lookups: tiers lowest first, thresholds in cents beside them. */
export interface Ladder {
  tiers: readonly VipTier[];
  /** Badges, one object per tier, shared by every row that carries it. */
  badges: readonly TierBadge[];
  /** `thresholds[i]` is `tiers[i].threshold` as a number (dollars), ascending, `[0] === 0`. */
  thresholds: Float64Array;
}

/** The casino's own ladder (USD); also what migration 0010 seeds. */
export const DEFAULT_TIERS: readonly Omit<VipTier, 'rank'>[] = [
  { name: 'Copper', threshold: '0.00', colour: '#c46a3c' },
  { name: 'Bronze', threshold: '10000.00', colour: '#a8773f' },
  { name: 'Silver', threshold: '40000.00', colour: '#a9b4bf' },
  { name: 'Gold', threshold: '100000.00', colour: '#e3b341' },
  { name: 'Platinum', threshold: '450000.00', colour: '#7fc8c0' },
  { name: 'Pearl', threshold: '1500000.00', colour: '#e8dccb' },
  { name: 'Sapphire', threshold: '3000000.00', colour: '#3b73d9' },
  { name: 'Emerald', threshold: '7000000.00', colour: '#2fae6a' },
  { name: 'Diamond', threshold: '20000000.00', colour: '#9ad9ff' },
];

export function buildLadder(tiers: readonly Omit<VipTier, 'rank'>[]): Ladder {
  const ranked = tiers.map((t, i) => Object.freeze({ ...t, rank: i + 1 }));
  return {
    tiers: Object.freeze(ranked),
    badges: Object.freeze(ranked.map((t) => Object.freeze({ rank: t.rank, name: t.name, colour: t.colour }))),
    thresholds: Float64Array.from(ranked, (t) => Number(t.threshold)),
  };
}

/**
 * The index of the highest tier whose threshold `wagered` reaches. Amounts have two decimals
 * and stay far below 2^53 cents, so the float comparison orders them exactly.
 */
function tierIndex(ladder: Ladder, wagered: string): number {
  const w = Number(wagered);
  const t = ladder.thresholds;
  let lo = 0;
  let hi = t.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if ((t[mid] ?? 0) <= w) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The tier of an all-time wager. */
export function tierOf(ladder: Ladder, allTimeWagered: string): TierBadge {
  const badge = ladder.badges[tierIndex(ladder, allTimeWagered)] ?? ladder.badges[0];
  if (!badge) throw new Error('the VIP ladder is empty');
  // A copy per row: rows sharing one object would make superjson add `referentialEqualities`
  // to the wire (and the fast path's bytes would differ from tRPC's own).
  return { ...badge };
}

export function tierProgress(ladder: Ladder, allTimeWagered: string): TierProgress {
  const i = tierIndex(ladder, allTimeWagered);
  const current = ladder.tiers[i];
  const next = ladder.tiers[i + 1];
  if (!current || !next) return { next: null, remaining: null, progress: 1 };
  const have = toCents(allTimeWagered);
  const from = toCents(current.threshold);
  const to = toCents(next.threshold);
  const progress = Number(have - from) / Number(to - from);
  return {
    next: { name: next.name, threshold: next.threshold, colour: next.colour },
    remaining: centsToDecimal(to - have),
    progress: Math.min(1, Math.max(0, progress)),
  };
}

/** The stored ladder, read now (callers with an event bus use `vipLadder`, from memory). */
export async function loadLadder(db: Db): Promise<Ladder> {
  const rows = await db
    .select({ name: vipTiers.name, threshold: vipTiers.threshold, colour: vipTiers.colour })
    .from(vipTiers)
    .orderBy(asc(vipTiers.position));
  // An empty table (never left so by setTiers) reads as the default ladder, not as no tiers.
  return buildLadder(rows.length > 0 ? rows : DEFAULT_TIERS);
}

/** A bound on how long a lost `vip.tiersChanged` (a bus outage) could leave a stale ladder. */
const LADDER_MAX_AGE_MS = 30_000;

interface LadderState {
  current: Promise<Ladder> | null;
  loadedAt: number;
  /** Bumped on every change: a load begun before it is not kept. */
  version: number;
}

const ladderByBus = new WeakMap<EventBus, LadderState>();

/** Starts following ladder changes on this bus (idempotent); `vipLadder` does it on first use. */
export function watchLadder(bus: EventBus): void {
  ladderState(bus);
}

function ladderState(bus: EventBus): LadderState {
  let state = ladderByBus.get(bus);
  if (!state) {
    const created: LadderState = { current: null, loadedAt: 0, version: 0 };
    bus.subscribe('vip.tiersChanged', () => {
      created.version++;
      created.current = null;
    });
    ladderByBus.set(bus, created);
    state = created;
  }
  return state;
}

/** The ladder in use, from memory after the first read (per server, reloaded after a change). */
export function vipLadder(deps: Pick<AppDeps, 'db' | 'bus'>): Promise<Ladder> {
  const state = ladderState(deps.bus);
  const now = Date.now();
  if (state.current && now - state.loadedAt < LADDER_MAX_AGE_MS) return state.current;
  const version = state.version;
  const loading = loadLadder(deps.db);
  state.current = loading;
  state.loadedAt = now;
  loading.catch(() => {
    // Not kept: the next reader tries again.
    if (state.current === loading && state.version === version) state.current = null;
  });
  return loading;
}

/** `vip.tiers`: the ladder, lowest tier first. */
export async function listTiers(deps: Pick<AppDeps, 'db' | 'bus'>): Promise<VipTier[]> {
  return [...(await vipLadder(deps)).tiers];
}

const MAX_TIERS = 30;

const tierInput = z.object({
  name: z.string().trim().min(1).max(32),
  threshold: z.union([z.number(), z.string()], { message: 'must be an amount' }).transform((value, ctx) => {
    try {
      return toDecimal(value);
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be an amount of zero or more with at most two decimals' });
      return z.NEVER;
    }
  }),
  colour: z
    .string()
    .trim()
    .regex(/^#[0-9a-fA-F]{6}$/, 'must be a colour written #rrggbb, e.g. #e3b341')
    .transform((c) => c.toLowerCase()),
});

/** Tier N (1-based) as a person names it in a message. */
const tierLabel = (i: number) => `Tier ${i + 1}`;

export const setTiersInput = z
  .object({
    tiers: z
      .array(tierInput)
      .min(1, 'The ladder needs at least one tier')
      .max(MAX_TIERS, `The ladder may have at most ${MAX_TIERS} tiers`),
  })
  .superRefine((input, ctx) => {
    const seen = new Map<string, number>();
    input.tiers.forEach((tier, i) => {
      const path = ['tiers', i];
      if (i === 0 && toCents(tier.threshold) !== 0n) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'threshold'],
          message: `${tierLabel(0)}'s threshold must be 0: every player starts on the first tier`,
        });
      }
      const previous = input.tiers[i - 1];
      if (previous && toCents(tier.threshold) <= toCents(previous.threshold)) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'threshold'],
          message: `${tierLabel(i)}'s threshold must be above ${previous.name}'s (${previous.threshold})`,
        });
      }
      const key = tier.name.toLowerCase();
      const first = seen.get(key);
      if (first !== undefined) {
        ctx.addIssue({
          code: 'custom',
          path: [...path, 'name'],
          message: `${tierLabel(i)}'s name "${tier.name}" is already used by ${tierLabel(first)}`,
        });
      } else seen.set(key, i);
    });
  });

/**
 * `admin.vip.setTiers`: replaces the ladder in one transaction, audited with the ladder before
 * and after; then every instance is told to reload it (and to drop what it cached with the old
 * tiers).
 */
export async function setTiers(
  deps: Pick<AppDeps, 'db' | 'bus' | 'log'>,
  actor: AuditActor,
  input: z.output<typeof setTiersInput>,
): Promise<VipTier[]> {
  const now = new Date();
  await deps.db.transaction(async (tx) => {
    const before = await tx
      .select({ name: vipTiers.name, threshold: vipTiers.threshold, colour: vipTiers.colour })
      .from(vipTiers)
      .orderBy(asc(vipTiers.position));
    await tx.delete(vipTiers);
    await tx.insert(vipTiers).values(
      input.tiers.map((t, i) => ({
        position: i + 1,
        name: t.name,
        threshold: t.threshold,
        colour: t.colour,
        updatedBy: actor.userId,
        updatedAt: now,
      })),
    );
    await recordAudit(tx, actor, {
      action: 'vip.setTiers',
      targetType: 'vip',
      details: { before: before.length > 0 ? before : DEFAULT_TIERS, after: input.tiers },
    });
  });
  try {
    await deps.bus.publish('vip.tiersChanged', { at: now.toISOString() });
  } catch (err) {
    // Stored and audited; instances that missed the event reload within the caches' bound.
    deps.log?.warn({ err }, 'could not announce the new VIP ladder');
  }
  return listTiers(deps);
}
