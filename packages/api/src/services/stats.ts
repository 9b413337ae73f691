import type { AppDeps, RealtimeStats } from '../deps';

export type { RealtimeStats, RealtimeStatsSource } from '../deps';

export interface AdminStats {
  realtime: RealtimeStats | null;
  bus: { kind: 'in-process' | 'redis'; ok: boolean };
  memory: { rssBytes: number; heapUsedBytes: number };
  at: Date;
}

/** Transport counters, event-bus state and process memory, for the admin dashboard. */
export function adminStats(deps: AppDeps): AdminStats {
  const bus = deps.bus.health();
  const memory = process.memoryUsage();
  return {
    realtime: deps.realtime?.snapshot() ?? null,
    bus: { kind: bus.kind, ok: bus.connected },
    memory: { rssBytes: memory.rss, heapUsedBytes: memory.heapUsed },
    at: new Date(),
  };
}
