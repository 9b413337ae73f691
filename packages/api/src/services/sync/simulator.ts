import { centsToDecimal, toCents } from '@goated/validators';
import { addDays, startOfUtcDay } from '../dates';
import type { UpstreamRecord } from './records';
import type { UpstreamSource } from './source';

interface SimPlayer {
  uid: string;
  name: string;
  today: bigint;
  week: bigint;
  month: bigint;
  allTime: bigint;
  /** The last time this player's figures moved (for period roll-over). */
  at: Date;
}

export interface SimulatorOptions {
  /** Existing players to continue from (the database's current totals); else it invents some. */
  loadInitial?: () => Promise<UpstreamRecord[]>;
  /** Players invented when `loadInitial` yields none. */
  players?: number;
  /** Share of players who wager between two fetches. */
  activeShare?: number;
  now?: () => Date;
  random?: () => number;
}

function weekStart(d: Date): Date {
  const day = startOfUtcDay(d);
  return addDays(day, -((day.getUTCDay() + 6) % 7));
}

function monthStart(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1));
}

/**
 * The built-in upstream: behaves like the affiliate's feed (cumulative totals per period that
 * reset at UTC day, week and month boundaries) so a first run shows wagers changing.
 */
export class SimulatedUpstream implements UpstreamSource {
  readonly name = 'simulator';
  private players: SimPlayer[] | undefined;
  private readonly now: () => Date;
  private readonly random: () => number;

  constructor(private readonly options: SimulatorOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.random = options.random ?? Math.random;
  }

  async fetchRecords(): Promise<UpstreamRecord[]> {
    const now = this.now();
    const list = await this.state(now);
    const activeShare = this.options.activeShare ?? 0.05;
    for (const p of list) {
      this.rollOver(p, now);
      if (this.random() >= activeShare) continue;
      // Heavy-tailed bets: most small, a few large.
      const cents = BigInt(Math.round(100 * 10 ** (1 + this.random() * 3.5)));
      p.today += cents;
      p.week += cents;
      p.month += cents;
      p.allTime += cents;
      p.at = now;
    }
    return list.map((p) => ({
      uid: p.uid,
      name: p.name,
      wagered: {
        today: centsToDecimal(p.today),
        this_week: centsToDecimal(p.week),
        this_month: centsToDecimal(p.month),
        all_time: centsToDecimal(p.allTime),
      },
      updated_at: now.toISOString(),
    }));
  }

  private rollOver(p: SimPlayer, now: Date): void {
    if (startOfUtcDay(p.at) < startOfUtcDay(now)) p.today = 0n;
    if (weekStart(p.at) < weekStart(now)) p.week = 0n;
    if (monthStart(p.at) < monthStart(now)) p.month = 0n;
  }

  private async state(now: Date): Promise<SimPlayer[]> {
    if (this.players) return this.players;
    const initial = (await this.options.loadInitial?.()) ?? [];
    this.players =
      initial.length > 0
        ? initial.map((r) => ({
            uid: r.uid,
            name: r.name,
            today: toCents(r.wagered.today),
            week: toCents(r.wagered.this_week),
            month: toCents(r.wagered.this_month),
            allTime: toCents(r.wagered.all_time),
            at: r.updated_at ? new Date(r.updated_at) : now,
          }))
        : Array.from({ length: this.options.players ?? 500 }, (_, i) => ({
            uid: `sim${String(i + 1).padStart(5, '0')}`,
            name: `Player ${i + 1}`,
            today: 0n,
            week: 0n,
            month: 0n,
            allTime: 0n,
            at: now,
          }));
    return this.players;
  }
}
