import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config';

describe('configuration', () => {
  it('defaults to the embedded database on port 5000 with the simulator seeding demo data', () => {
    const config = loadConfig({});
    expect(config.port).toBe(5000);
    expect(config.db.url).toBeUndefined();
    expect(config.db.dataDir).toMatch(/\.data\/pglite$/);
    expect(config.sync).toMatchObject({ enabled: true, intervalMs: 5000, seedDemoData: true });
  });

  it('does not seed demo data into a real database unless asked', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@127.0.0.1/db' }).sync.seedDemoData).toBe(false);
    expect(loadConfig({ DATABASE_URL: 'postgres://u@127.0.0.1/db', SEED_DEMO_DATA: 'true' }).sync.seedDemoData).toBe(
      true,
    );
  });

  it('names every bad variable in one error', () => {
    let error: unknown;
    try {
      loadConfig({ PORT: 'abc', DATABASE_URL: 'nonsense', SYNC_INTERVAL_MS: '5', LOG_LEVEL: 'loud' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = error instanceof ConfigError ? error.problems : [];
    expect(problems.map((p) => p.split(':')[0])).toEqual(['PORT', 'LOG_LEVEL', 'DATABASE_URL', 'SYNC_INTERVAL_MS']);
    expect(problems[0]).toMatch(/PORT: must be a number/);
    expect(problems[2]).toMatch(/DATABASE_URL: must be a postgres:\/\/ URL/);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' }).port).toBe(5000);
  });

  it('rejects a port out of range', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT: must be between 0 and 65535/);
  });

  it('reads the live push interval and the race scheduler tick, with defaults', () => {
    expect(loadConfig({})).toMatchObject({ live: { pushIntervalMs: 1000 }, races: { tickMs: 1000 } });
    expect(loadConfig({ LEADERBOARD_PUSH_INTERVAL_MS: '250', RACE_TICK_MS: '500' })).toMatchObject({
      live: { pushIntervalMs: 250 },
      races: { tickMs: 500 },
    });
    expect(() => loadConfig({ LEADERBOARD_PUSH_INTERVAL_MS: '5', RACE_TICK_MS: 'soon' })).toThrow(
      /LEADERBOARD_PUSH_INTERVAL_MS: must be at least 50[\s\S]*RACE_TICK_MS: must be a number/,
    );
  });
});
