/**
 * The real bot against a real server (the kit's startTestServer: Fastify, the router, a fresh
 * database) and a fake Telegram Bot API. The bot uses only its typed client with a bot-scoped
 * key; the test itself reaches into the database to arrange what the dashboard and the sync
 * would (players, races, an expired code). The world is in support/server-scenario.ts, the cases
 * by topic in server-cases/.
 */
import { testBackends } from '@goated/testing/db';
import { describe } from 'vitest';
import { commandCases } from './server-cases/commands';
import { linkingCases } from './server-cases/linking';
import { notificationCases } from './server-cases/notifications';
import { useServerScenario } from './support/server-scenario';

describe.each(testBackends())('the bot with a real server on %s', (kind) => {
  const scenario = useServerScenario(kind);
  // In this order: the links made in linkingCases are the ones the later cases rely on.
  linkingCases(scenario);
  commandCases(scenario);
  notificationCases(scenario);
});
