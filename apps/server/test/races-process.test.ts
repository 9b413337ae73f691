/**
 * Two server processes on one PostgreSQL database reach a race's end together: exactly one
 * finalizes each race, and one result set is written. (PGlite is one process's database, so
 * this runs only against the real server.)
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { type DbHandle, queryRows, schema } from '@goated/db';
import { waitFor } from '@goated/testing';
import { createTestDb } from '@goated/testing/db';
import { inArray, sql } from 'drizzle-orm';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const main = path.join(root, 'apps/server/src/main.ts');

interface Instance {
  proc: ChildProcess;
  /** Race ids this process's scheduler finalized, from its log. */
  finalized: number[];
  listening: Promise<void>;
}

/** A pino log line as an object; undefined for anything else the process prints. */
function parseJsonLine(line: string): unknown {
  if (!line.startsWith('{')) return undefined;
  try {
    return JSON.parse(line);
  } catch {
    return undefined; // a partial or foreign line: not a scheduler report
  }
}

function startInstance(databaseUrl: string): Instance {
  const { DATABASE_URL: _db, PORT: _port, ...rest } = process.env;
  // Node with tsx's loader, not the tsx CLI, so SIGTERM reaches the server itself.
  const proc = spawn(process.execPath, ['--import', 'tsx', main], {
    env: {
      ...rest,
      DATABASE_URL: databaseUrl,
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'info',
      SYNC_ENABLED: 'false',
      RACE_TICK_MS: '50',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const finalized: number[] = [];
  let output = '';
  const listening = new Promise<void>((resolve, reject) => {
    proc.once('exit', (code) => reject(new Error(`server exited (${code}): ${output}`)));
    let buffered = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        output += `${line}\n`;
        if (line.includes('server listening')) resolve();
        const entry = parseJsonLine(line);
        const races: unknown = entry && typeof entry === 'object' ? Reflect.get(entry, 'races') : undefined;
        const ids: unknown = races && typeof races === 'object' ? Reflect.get(races, 'finalized') : undefined;
        if (Array.isArray(ids)) for (const id of ids) if (typeof id === 'number') finalized.push(id);
      }
    });
    proc.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
    });
  });
  return { proc, finalized, listening };
}

describe.runIf(process.env.DATABASE_URL)('two server processes on PostgreSQL', () => {
  let db: DbHandle | undefined;
  const instances: Instance[] = [];
  afterAll(async () => {
    for (const { proc } of instances) {
      if (proc.exitCode === null) {
        const exited = new Promise((resolve) => proc.once('exit', resolve));
        proc.kill('SIGTERM');
        await exited;
      }
    }
    await db?.close();
  });

  it('finalize each race once when both reach its end together', async () => {
    db = await createTestDb('postgres');
    const [current] = await queryRows<{ name: string }>(db.db, sql`select current_database() as name`);
    const url = new URL(process.env.DATABASE_URL ?? '');
    url.pathname = `/${current?.name}`;

    await db.db
      .insert(schema.players)
      .values(['a', 'b', 'c'].map((uid) => ({ uid, name: uid, upstreamUpdatedAt: new Date() })));
    const today = new Date().toISOString().slice(0, 10);
    await db.db.insert(schema.playerWagerDays).values(
      ['a', 'b', 'c'].map((uid, i) => ({
        playerUid: uid,
        day: today,
        wagered: `${(i + 1) * 100}.00`,
        upstreamUpdatedAt: new Date(),
      })),
    );

    instances.push(startInstance(url.toString()), startInstance(url.toString()));
    await Promise.all(instances.map((i) => i.listening));

    const endsAt = new Date(Date.now() + 1500);
    const rows = await db.db
      .insert(schema.races)
      .values(
        Array.from({ length: 6 }, (_, i) => ({
          name: `Race ${i}`,
          startsAt: new Date(Date.now() - 60_000),
          endsAt,
          prizePool: '6.00',
          prizeSplit: ['3.00', '2.00', '1.00'],
          status: 'live' as const,
        })),
      )
      .returning({ id: schema.races.id });
    const ids = rows.map((r) => r.id).sort((x, y) => x - y);

    const handle = db;
    await waitFor(
      async () => {
        const done = await handle.db
          .select({ status: schema.races.status })
          .from(schema.races)
          .where(inArray(schema.races.id, ids));
        return done.every((r) => r.status === 'completed');
      },
      { label: 'the races to be finalized', timeoutMs: 20_000, intervalMs: 100 },
    );
    await new Promise((r) => setTimeout(r, 500)); // let both logs catch up

    const results = await db.db
      .select({ raceId: schema.raceResults.raceId, rank: schema.raceResults.rank, uid: schema.raceResults.playerUid })
      .from(schema.raceResults)
      .where(inArray(schema.raceResults.raceId, ids))
      .orderBy(schema.raceResults.raceId, schema.raceResults.rank);
    expect(results).toHaveLength(ids.length * 3);
    for (const id of ids) {
      expect(results.filter((r) => r.raceId === id).map((r) => [r.rank, r.uid])).toEqual([
        [1, 'c'],
        [2, 'b'],
        [3, 'a'],
      ]);
    }
    // Each race was finalized by exactly one of the two processes.
    const [first, second] = instances;
    expect([...(first?.finalized ?? []), ...(second?.finalized ?? [])].sort((x, y) => x - y)).toEqual(ids);
  }, 90_000);
});
