/**
 * A 100,000-player affiliate feed for the benchmarks, served over HTTP from 127.0.0.1.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The feed as upstream would send it: all players, cumulative totals, one timestamp per fetch.
 * `movedShare` of the players (a fixed stride) wagered since the previous fetch.
 */
export function createFeed(players: number) {
  const cents = Array.from({ length: players }, (_, i) => 1000 + ((i * 7919) % 5_000_000));
  let fetches = 0;
  return (movedShare: number): string => {
    fetches++;
    if (fetches > 1) {
      for (let i = 0; i < players; i++) if (i % 100 < movedShare * 100) cents[i] = (cents[i] ?? 0) + 12_345;
    }
    const at = new Date(Date.UTC(2026, 0, 1, 12, fetches)).toISOString();
    const records = cents.map((c, i) => {
      const amount = `${Math.floor(c / 100)}.${String(c % 100).padStart(2, '0')}`;
      return {
        uid: `p${String(i).padStart(6, '0')}`,
        name: `Player ${i}`,
        wagered: { today: amount, this_week: amount, this_month: amount, all_time: amount },
        updated_at: at,
      };
    });
    return JSON.stringify({ data: records, next_cursor: null });
  };
}

export async function serveFeed(): Promise<{ url: string; set(body: string): void; close(): Promise<void> }> {
  let body = '[]';
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/feed`,
    set: (next) => {
      body = next;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
