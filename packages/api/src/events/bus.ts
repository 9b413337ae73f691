/**
 * Every realtime event the platform publishes, by topic. Payloads are plain JSON so the same
 * events can cross process boundaries (Redis) unchanged.
 */
export interface AppEvents {
  /** Player totals changed (a sync run or a pushed batch). */
  'leaderboard.changed': { changedPlayers: number; at: string };
  /** A race's standings or status changed. */
  'race.changed': { raceId: number; status: string; at: string };
  /**
   * Sessions ended (sign-out, password change, ban): open subscriptions of those sessions end
   * and long-lived connections stop acting for them. `sessionIds: 'all'` means every session.
   */
  'auth.revoked': {
    userId: string;
    sessionIds: string[] | 'all';
    reason: 'signed-out' | 'password-changed' | 'banned' | 'role-changed';
    at: string;
  };
  /**
   * An API key stops working at `effectiveAt` (now, or the end of a rotation's grace period):
   * revoked, rotated, or suspended because its owner lost the rights behind it. Connections
   * opened with it end then, on every instance.
   */
  'apiKey.revoked': {
    keyId: number;
    reason: 'revoked' | 'rotated' | 'suspended';
    effectiveAt: string;
    at: string;
  };
  /**
   * A race was finalized and its results frozen — published exactly once per race, by the
   * instance whose finalization won. The bot and the dashboard announce the winners.
   */
  'race.finished': {
    raceId: number;
    name: string;
    prizePool: string;
    /** The paid ranks, best first, with the prize each won. */
    winners: { rank: number; uid: string; name: string; wagered: string; prize: string }[];
    /** Prize money nobody won (fewer players than paid ranks); winners' prizes + this = pool. */
    unawarded: string;
    at: string;
  };
  /**
   * Something for one user (claim approved, race won…). Published by `notify()` once the
   * notification is stored: `id` is its inbox id, `web`/`telegram` the channels the user's
   * preferences allow. A notice published straight to the bus (no `id`) is for both channels
   * and is not stored.
   */
  'user.notification': {
    userId: string;
    id?: number;
    /** The preference kind (`claims`, `racePosition`, …). */
    kind: string;
    /** The precise event (`claim.rejected`); defaults to `kind`. */
    type?: string;
    title: string;
    body: string;
    /** A dashboard path the notification is about, e.g. `/races/3`. */
    link?: string | null;
    web?: boolean;
    telegram?: boolean;
    at: string;
  };
  /** A user asked to have a casino player linked; linked admins are told on Telegram. */
  'claim.created': { claimId: number; at: string };
  /** An admin replaced the VIP ladder: every instance reloads it and drops what carried the old tiers. */
  'vip.tiersChanged': { at: string };
  /** A transformation-log entry was written. */
  'log.created': { id: number; type: 'info' | 'warning' | 'error'; message: string; at: string };
}

export type EventTopic = keyof AppEvents;
export type EventHandler<T extends EventTopic> = (payload: AppEvents[T]) => void;

export interface BusHealth {
  kind: 'in-process' | 'redis';
  connected: boolean;
}

/** How events travel between the parts of the server (and later, between instances). */
export interface EventBus {
  publish<T extends EventTopic>(topic: T, payload: AppEvents[T]): Promise<void>;
  /** Returns the function that unsubscribes. */
  subscribe<T extends EventTopic>(topic: T, handler: EventHandler<T>): () => void;
  health(): BusHealth;
  /**
   * Called each time events for this instance may have been lost: when its bus comes back after
   * an outage (events published meanwhile by other instances were lost), and when another
   * instance's does (what it published meanwhile may not have reached this one). Listeners
   * re-read what they depend on. Absent on buses that cannot lose events (in-process). Returns
   * the function that unsubscribes.
   */
  onReconnect?(listener: () => void): () => void;
  close(): Promise<void>;
}
