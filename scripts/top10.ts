/**
 * Prints the top 10 of this month's leaderboard through the typed client.
 *
 *   pnpm example:top10                      # against http://127.0.0.1:5000
 *   API_URL=https://vip.example.com API_TOKEN=… pnpm example:top10
 */
import { createClient } from '@goated/client';

const url = process.env.API_URL ?? 'http://127.0.0.1:5000';
const { api, close } = createClient({ url, token: process.env.API_TOKEN });

try {
  const page = await api.leaderboard.top.query({ period: 'month', limit: 10 });
  console.log(`Top 10 this month — ${page.generatedAt.toISOString()}`);
  for (const entry of page.entries) {
    console.log(`${String(entry.rank).padStart(3)}. ${entry.name.padEnd(24)} ${entry.wagered.padStart(14)}`);
  }
  if (page.entries.length === 0) console.log('(nobody has wagered this month yet)');
} catch (err) {
  console.error(`Could not reach ${url}: ${err instanceof Error ? err.message : String(err)}`);
  process.exitCode = 1;
} finally {
  await close();
}
