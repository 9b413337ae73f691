/** Process entry point: configuration, start, and a bounded graceful shutdown. */

import { createServer } from './app';
import { ConfigError, loadConfig } from './config';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}

const server = await createServer(config).catch((err: unknown) => {
  console.error(`Could not start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

// A process in an unknown state is worse than a restart: log, then exit non-zero.
process.on('uncaughtException', (err) => {
  server.app.log.fatal({ err }, 'uncaught exception');
  process.exit(1);
});
process.on('unhandledRejection', (reason) => {
  server.app.log.fatal({ err: reason }, 'unhandled rejection');
  process.exit(1);
});

let shuttingDown = false;
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  // `on`, not `once`: with no listener left, a repeated signal (tsx relays one more when its
  // child is slow to acknowledge the first) would take the default action and cut the
  // graceful shutdown short (exit 143). Repeats are ignored; the timeout still bounds it.
  process.on(signal, () => {
    if (shuttingDown) return;
    shuttingDown = true;
    server.app.log.info({ signal }, 'shutting down');
    const timer = setTimeout(() => {
      server.app.log.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    timer.unref();
    server.stop().then(
      () => process.exit(0),
      (err: unknown) => {
        server.app.log.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  });
}

try {
  const address = await server.start();
  server.app.log.info(`GoatedVIPs server listening on ${address} (${server.deps.dbKind})`);
} catch (err) {
  server.app.log.fatal({ err }, 'could not start');
  await server.stop().catch(() => {});
  process.exit(1);
}
