/**
 * Prints the top 10 of this month's leaderboard through the typed client.
 *
 *   pnpm example:top10                      # the local server: http://127.0.0.1:$PORT (default 5000)
 *   API_URL=https://vip.example.com API_TOKEN=… pnpm example:top10
 */
import { createClient, serverUnreachable } from '@goated/client';

const url = process.env.API_URL || `http://127.0.0.1:${process.env.PORT || 5000}`;
const { api, close } = createClient({ url, token: process.env.API_TOKEN });

try {
  const page = await api.leaderboard.top.query({ period: 'month', limit: 10 });
  console.log(`Top 10 this month — ${page.generatedAt.toISOString()}`);
  for (const entry of page.entries) {
    console.log(`${String(entry.rank).padStart(3)}. ${entry.name.padEnd(24)} ${entry.wagered.padStart(14)}`);
  }
  if (page.entries.length === 0) console.log('(nobody has wagered this month yet)');
} catch (err) {
  const unreachable = serverUnreachable(err);
  console.error(
    unreachable
      ? `${unreachable.message}.\nStart it (pnpm start), or say where it runs: API_URL=http://host:port pnpm example:top10 (or PORT=… for a local one).`
      : `The server at ${url} answered with an error: ${err instanceof Error ? err.message : String(err)}`,
  );
  process.exitCode = 1;
} finally {
  await close();
}
