import { sql } from 'drizzle-orm';
import type { Db } from './client';
import { players, playerWagerDays, raceResults, races } from './schema/index';

export interface SeedOptions {
  players?: number;
  /** Days of per-day wager history to generate, ending today. */
  days?: number;
  /** PRNG seed so a demo data set is reproducible. */
  seed?: number;
  now?: Date;
}

export interface SeedSummary {
  players: number;
  wagerDays: number;
  races: number;
}

const ADJECTIVES = [
  'Lucky',
  'Golden',
  'Wild',
  'Silent',
  'Crazy',
  'Royal',
  'Swift',
  'Iron',
  'Neon',
  'Frosty',
  'Dark',
  'Happy',
  'Mighty',
  'Shadow',
  'Turbo',
  'Cosmic',
];
const NOUNS = [
  'Goat',
  'Whale',
  'Tiger',
  'Fox',
  'Dragon',
  'Shark',
  'Wolf',
  'Falcon',
  'Ace',
  'Joker',
  'Viper',
  'Bull',
  'Raven',
  'Knight',
  'Comet',
  'Ghost',
];

/** Small deterministic PRNG (mulberry32): the same seed gives the same demo data. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function utcDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function addDays(d: Date, n: number): Date {
  return new Date(d.getTime() + n * 86_400_000);
}

function startOfUtcDay(d: Date): Date {
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()));
}

/** Cents as integers until the end, so sums are exact. */
const toMoney = (cents: number) => (cents / 100).toFixed(2);

/**
 * Fills an empty database with a realistic demo data set: thousands of players with per-day
 * history, a finished race with frozen results, a live race and an upcoming one.
 */
export async function seedDemoData(db: Db, options: SeedOptions = {}): Promise<SeedSummary> {
  const summary = await insertDemoData(db, options, false);
  if (!summary) throw new Error('the demo data set was not inserted');
  return summary;
}

/**
 * `seedDemoData` on an empty database only; null when it already holds players. Safe for
 * instances starting together: the first seeds, the others wait for it and then leave it.
 */
export function seedDemoDataIfEmpty(db: Db, options: SeedOptions = {}): Promise<SeedSummary | null> {
  return insertDemoData(db, options, true);
}

// Advisory lock ids in use: 7_220_001 migrations, …002–003 sync, …004 log order, …005 seeding.
const SEED_LOCK = 7_220_005;

async function insertDemoData(db: Db, options: SeedOptions, onlyIfEmpty: boolean): Promise<SeedSummary | null> {
  const count = options.players ?? 3000;
  const dayCount = options.days ?? 35;
  const random = prng(options.seed ?? 42);
  const now = options.now ?? new Date();
  const today = startOfUtcDay(now);
  const weekStart = addDays(today, -((today.getUTCDay() + 6) % 7)); // Monday
  const monthStart = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), 1));

  const playerRows: (typeof players.$inferInsert)[] = [];
  const dayRows: (typeof playerWagerDays.$inferInsert)[] = [];

  for (let i = 0; i < count; i++) {
    const uid = `p${String(i + 1).padStart(6, '0')}`;
    const name = `${ADJECTIVES[Math.floor(random() * ADJECTIVES.length)]}${NOUNS[Math.floor(random() * NOUNS.length)]}${Math.floor(random() * 1000)}`;
    // A few whales, many small players: activity and bet size both skewed.
    const activity = random() ** 2;
    const scale = Math.exp(random() * 9); // ~1 … 8,000 dollars a day
    let todayCents = 0;
    let weekCents = 0;
    let monthCents = 0;
    let historyCents = 0;
    for (let d = dayCount - 1; d >= 0; d--) {
      if (random() > activity) continue;
      const day = addDays(today, -d);
      const cents = Math.round(scale * (0.2 + random()) * 100);
      historyCents += cents;
      if (day >= monthStart) monthCents += cents;
      if (day >= weekStart) weekCents += cents;
      if (d === 0) todayCents = cents;
      dayRows.push({ playerUid: uid, day: utcDay(day), wagered: toMoney(cents), upstreamUpdatedAt: now });
    }
    const olderCents = Math.round(scale * random() * 100 * 60);
    playerRows.push({
      uid,
      name,
      wagerToday: toMoney(todayCents),
      wagerWeek: toMoney(weekCents),
      wagerMonth: toMoney(monthCents),
      wagerAllTime: toMoney(historyCents + olderCents),
      upstreamUpdatedAt: now,
    });
  }

  const seeded = await db.transaction(async (tx) => {
    // Instances starting together on one empty database: the first seeds, the others wait
    // here, then find players and leave it.
    await tx.execute(sql`select pg_advisory_xact_lock(${SEED_LOCK})`);
    if (onlyIfEmpty && (await tx.select({ uid: players.uid }).from(players).limit(1)).length > 0) return false;
    for (let i = 0; i < playerRows.length; i += 1000) {
      await tx.insert(players).values(playerRows.slice(i, i + 1000));
    }
    for (let i = 0; i < dayRows.length; i += 2000) {
      await tx.insert(playerWagerDays).values(dayRows.slice(i, i + 2000));
    }

    const [finished] = await tx
      .insert(races)
      .values({
        name: 'Last week’s $10,000 race',
        description: 'Weekly wager race. Top 5 share the pool.',
        startsAt: addDays(weekStart, -7),
        endsAt: weekStart,
        prizePool: '10000.00',
        prizeSplit: ['5000.00', '2500.00', '1250.00', '750.00', '500.00'],
        status: 'completed',
        finalizedAt: weekStart,
      })
      .returning({ id: races.id, prizeSplit: races.prizeSplit });
    await tx.insert(races).values([
      {
        name: 'Weekly $10,000 race',
        description: 'Wager from the start of the race; top 5 share the pool.',
        startsAt: addDays(today, -3),
        endsAt: addDays(today, 4),
        prizePool: '10000.00',
        prizeSplit: ['5000.00', '2500.00', '1250.00', '750.00', '500.00'],
        status: 'live',
      },
      {
        name: 'Next week’s $15,000 race',
        description: 'Top 10 share the pool.',
        startsAt: addDays(today, 7),
        endsAt: addDays(today, 14),
        prizePool: '15000.00',
        prizeSplit: [
          '6000.00',
          '3000.00',
          '2000.00',
          '1200.00',
          '900.00',
          '600.00',
          '450.00',
          '350.00',
          '300.00',
          '200.00',
        ],
        status: 'upcoming',
      },
    ]);

    if (finished) {
      // Freeze the finished race's results from the history generated above.
      const from = utcDay(addDays(weekStart, -7));
      const to = utcDay(weekStart);
      const top = await tx
        .select({
          playerUid: playerWagerDays.playerUid,
          playerName: players.name,
          wagered: sql<string>`sum(${playerWagerDays.wagered})`,
        })
        .from(playerWagerDays)
        .innerJoin(players, sql`${players.uid} = ${playerWagerDays.playerUid}`)
        .where(sql`${playerWagerDays.day} >= ${from} and ${playerWagerDays.day} < ${to}`)
        .groupBy(playerWagerDays.playerUid, players.name)
        .orderBy(sql`sum(${playerWagerDays.wagered}) desc`, playerWagerDays.playerUid)
        .limit(finished.prizeSplit.length);
      // How many it ranked, as finalizing a race records it (everyone who wagered in its window).
      const [counted] = await tx
        .select({ n: sql<number>`count(distinct ${playerWagerDays.playerUid})::int` })
        .from(playerWagerDays)
        .where(
          sql`${playerWagerDays.day} >= ${from} and ${playerWagerDays.day} < ${to} and ${playerWagerDays.wagered} > 0`,
        );
      await tx
        .update(races)
        .set({ participants: counted?.n ?? 0 })
        .where(sql`${races.id} = ${finished.id}`);
      if (top.length > 0) {
        await tx.insert(raceResults).values(
          top.map((row, i) => ({
            raceId: finished.id,
            rank: i + 1,
            playerUid: row.playerUid,
            playerName: row.playerName,
            wagered: row.wagered,
            prize: finished.prizeSplit[i] ?? '0.00',
          })),
        );
      }
    }
    return true;
  });
  if (!seeded) return null;
  return { players: playerRows.length, wagerDays: dayRows.length, races: 3 };
}

/** True when the database holds no players yet (a first start). */
export async function isEmpty(db: Db): Promise<boolean> {
  const rows = await db.select({ uid: players.uid }).from(players).limit(1);
  return rows.length === 0;
}
