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

  it('gives the embedded database a 16 MB buffer pool unless told otherwise, and refuses a size it cannot read', () => {
    expect(loadConfig({}).db.pgliteSharedBuffers).toBe('16MB');
    expect(loadConfig({ PGLITE_SHARED_BUFFERS: '64MB' }).db.pgliteSharedBuffers).toBe('64MB');
    expect(() => loadConfig({ PGLITE_SHARED_BUFFERS: 'lots' })).toThrow(
      /PGLITE_SHARED_BUFFERS: must be a size such as 16MB/,
    );
  });

  it('prepares statements on PostgreSQL unless DB_PREPARED_STATEMENTS is false', () => {
    expect(loadConfig({}).db.preparedStatements).toBe(true);
    expect(loadConfig({ DB_PREPARED_STATEMENTS: 'false' }).db.preparedStatements).toBe(false);
    expect(() => loadConfig({ DB_PREPARED_STATEMENTS: 'sometimes' })).toThrow(/DB_PREPARED_STATEMENTS/);
  });

  it('treats an empty variable as unset', () => {
    expect(loadConfig({ PORT: '', DATABASE_URL: '' }).port).toBe(5000);
  });

  it('rejects a port out of range', () => {
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT: must be between 0 and 65535/);
  });

  it('uses the simulator unless AFFILIATE_API_URL is set, and keeps logs 30 days', () => {
    const config = loadConfig({});
    expect(config.sync.upstream).toBeNull();
    expect(config.sync.logRetentionDays).toBe(30);
  });

  it('reads the HTTP feed settings with their defaults', () => {
    const config = loadConfig({
      AFFILIATE_API_URL: 'https://affiliate.example/api/referrals',
      AFFILIATE_API_TOKEN: 't0k',
    });
    expect(config.sync.upstream).toEqual({
      url: 'https://affiliate.example/api/referrals',
      token: 't0k',
      timeoutMs: 10_000,
      retries: 3,
      retryBaseMs: 500,
      maxPages: 1000,
      // AFFILIATE_MAX_BYTES: 64 MiB a page by default.
      maxBytes: 64 * 1024 * 1024,
    });
  });

  it('caps the feed with AFFILIATE_MAX_BYTES, and refuses a cap below 1 KiB', () => {
    const url = 'https://affiliate.example/api/referrals';
    expect(loadConfig({ AFFILIATE_API_URL: url, AFFILIATE_MAX_BYTES: '1048576' }).sync.upstream?.maxBytes).toBe(
      1_048_576,
    );
    expect(() => loadConfig({ AFFILIATE_API_URL: url, AFFILIATE_MAX_BYTES: '10' })).toThrow(/AFFILIATE_MAX_BYTES/);
  });

  it('names bad feed settings, and a token without a feed', () => {
    expect(() =>
      loadConfig({ AFFILIATE_API_URL: 'ftp://x', AFFILIATE_RETRIES: '99', LOG_RETENTION_DAYS: '-1' }),
    ).toThrow(
      /AFFILIATE_API_URL: must be an http:\/\/ or https:\/\/ URL[\s\S]*AFFILIATE_RETRIES: must be at most 10[\s\S]*LOG_RETENTION_DAYS: must be at least 0/,
    );
    expect(() => loadConfig({ AFFILIATE_API_TOKEN: 'orphan' })).toThrow(
      /AFFILIATE_API_TOKEN: is set but AFFILIATE_API_URL is not/,
    );
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
