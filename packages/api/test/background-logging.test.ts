import { type Db, schema } from '@goated/db';
import { drizzle } from 'drizzle-orm/postgres-js';
import { describe, expect, it } from 'vitest';
import { createInProcessBus, type Logger, scheduleRaces, watchRacePositions } from '../src/server';

interface Line {
  level: 'info' | 'warn' | 'error';
  fields: object;
  message: string;
}

function recordingLogger(): Logger & { lines: Line[] } {
  const lines: Line[] = [];
  return {
    lines,
    info: (fields, message) => lines.push({ level: 'info', fields, message }),
    warn: (fields, message) => lines.push({ level: 'warn', fields, message }),
    error: (fields, message) => lines.push({ level: 'error', fields, message }),
  };
}

describe('background jobs report through the logger they are given', () => {
  /** A database that refuses every query, as one that went away does (it has no connection). */
  const closedDb: Db = drizzle.mock({ schema });

  it('the race scheduler logs a failed tick with the error whole', async () => {
    const log = recordingLogger();
    const scheduler = scheduleRaces({ db: closedDb, bus: createInProcessBus(), log }, 60_000);
    try {
      const tick = await scheduler.tickNow();
      expect(tick).toEqual({ created: [], started: [], finalized: [], failed: [] });
      const failure = log.lines.find((line) => line.message === 'race scheduler tick failed');
      expect(failure?.level).toBe('warn');
      expect(failure && 'err' in failure.fields ? failure.fields.err : undefined).toBeInstanceOf(Error);
    } finally {
      await scheduler.stop();
    }
  });

  it('the race-position watch logs a failed refresh and answers null', async () => {
    const log = recordingLogger();
    const watch = watchRacePositions(
      { db: closedDb, bus: createInProcessBus(), log },
      { threshold: 1, delayMs: 60_000 },
    );
    try {
      expect(await watch.refreshNow()).toBeNull();
      const failure = log.lines.find((line) => line.message === 'race positions refresh failed');
      expect(failure?.level).toBe('warn');
      expect(failure && 'err' in failure.fields ? failure.fields.err : undefined).toBeInstanceOf(Error);
    } finally {
      await watch.stop();
    }
  });
});
