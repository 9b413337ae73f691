/**
 * `pnpm db:seed`: fills the configured database (DATABASE_URL, or the embedded data folder)
 * with the demo data set. Refuses to touch a database that already has players.
 */
import { createDb, OPERATOR_DB_TIMEOUTS } from './client';
import { isEmpty, seedDemoData } from './seed';

const handle = await createDb({
  databaseUrl: process.env.DATABASE_URL,
  dataDir: process.env.DATA_DIR ?? '.data/pglite',
  timeouts: OPERATOR_DB_TIMEOUTS,
});
try {
  if (!(await isEmpty(handle.db))) {
    console.error('The database already has players; not seeding. Use an empty database.');
    process.exitCode = 1;
  } else {
    const started = performance.now();
    const summary = await seedDemoData(handle.db, {
      players: Number(process.env.SEED_PLAYERS ?? 3000),
    });
    console.log(
      `Seeded ${summary.players} players, ${summary.wagerDays} wager days, ${summary.races} races in ${Math.round(performance.now() - started)} ms (${handle.kind}).`,
    );
  }
} finally {
  await handle.close();
}
