/**
 * What the server runs beside answering requests, started by `start()` before it listens and
 * stopped by `stop()`: the admin bootstrap, the hourly maintenance (expired credentials, old
 * notifications), the demo seed and the sync schedule, the race scheduler, the watch on linked
 * players' race positions, the operator log and the metrics listener.
 */
import {
  deleteExpiredCredentials,
  ensureAdmin,
  type Logger,
  pruneNotifications,
  type RacePositionWatch,
  type RaceScheduler,
  scheduleRaces,
  watchRacePositions,
} from '@goated/api/server';
import { isEmpty, seedDemoDataIfEmpty } from '@goated/db/seed';
import type { Config } from './config';
import type { ServerDeps } from './deps';
import { startMetricsListener } from './metrics-access';
import { type OperatorLog, startOperatorLog } from './operator-log';

const MAINTENANCE_INTERVAL_MS = 60 * 60_000;

export interface BackgroundJobs {
  start(): Promise<void>;
  /**
   * Clears the timers at once, then waits for a running sync, race tick and position refresh
   * (and the metrics listener) to finish. Stops whatever `start()` got to, if it failed midway.
   */
  stop(): Promise<void>;
}

/** Creates the first admin (from ADMIN_USERNAME, or a generated one) if there is none. */
async function bootstrapAdmin(config: Config, wiring: ServerDeps, log: Logger): Promise<void> {
  const bootstrap = await ensureAdmin(wiring.db.db, config.auth.admin);
  if (bootstrap.created?.generatedPassword) {
    // Printed once, to the terminal rather than the structured log: it is for the person
    // starting the server, and a password has no place in a log file.
    console.log(
      `\n  First start: created admin "${bootstrap.created.username}" with password ${bootstrap.created.generatedPassword}\n  It is not shown again; the first sign-in asks you to choose your own.\n`,
    );
  } else if (bootstrap.created) {
    log.info({ username: bootstrap.created.username }, 'created the admin account from ADMIN_USERNAME');
  }
}

/** Expired sessions and keys, and notifications past their retention: at start, then hourly. */
function startMaintenance(config: Config, wiring: ServerDeps, log: Logger): NodeJS.Timeout {
  const db = wiring.db.db;
  const cleanup = async () => {
    await deleteExpiredCredentials(db).catch((err: unknown) => log.warn({ err }, 'credential cleanup failed'));
    await pruneNotifications(db, config.notifications.retentionDays).catch((err: unknown) =>
      log.warn({ err }, 'notification cleanup failed'),
    );
  };
  const timer = setInterval(cleanup, MAINTENANCE_INTERVAL_MS);
  timer.unref();
  void cleanup();
  return timer;
}

export function backgroundJobs(config: Config, wiring: ServerDeps, log: Logger): BackgroundJobs {
  const { db, bus, sync, deps } = wiring;
  let maintenance: NodeJS.Timeout | undefined;
  let raceScheduler: RaceScheduler | undefined;
  let racePositions: RacePositionWatch | undefined;
  let operatorLog: OperatorLog | undefined;
  let metricsListener: { url: string; close(): Promise<void> } | undefined;

  return {
    async start() {
      await bootstrapAdmin(config, wiring, log);
      maintenance = startMaintenance(config, wiring, log);
      if (config.sync.enabled) {
        if (config.sync.seedDemoData && (await isEmpty(db.db))) {
          const summary = await seedDemoDataIfEmpty(db.db);
          if (summary) log.info(summary, 'seeded the demo data set');
        }
        sync.start();
      }
      // Every instance runs it: starting and finalizing a race are safe to race (see raceTick).
      raceScheduler = scheduleRaces({ db: db.db, bus, log }, config.races.tickMs);
      // Linked players' places in live races, after every change: standings and position notices.
      racePositions = watchRacePositions(deps, {
        threshold: config.notifications.positionThreshold,
        cooldownMs: config.notifications.positionCooldownMs,
        delayMs: config.live.pushIntervalMs,
      });
      operatorLog = startOperatorLog({
        log,
        db: db.db,
        stats: wiring.stats,
        summaryIntervalMs: config.operatorLog.summaryIntervalMs,
        sampleIntervalMs: config.operatorLog.sampleIntervalMs,
      });
      const { listen } = config.metrics;
      if (listen) {
        metricsListener = await startMetricsListener({ ...config.metrics, listen }, wiring.metrics.registry);
        log.info({ url: `${metricsListener.url}/metrics` }, 'metrics served on a listener of their own');
      }
    },
    async stop() {
      clearInterval(maintenance);
      operatorLog?.stop();
      await Promise.all([sync.stop(), raceScheduler?.stop(), racePositions?.stop(), metricsListener?.close()]);
    },
  };
}
