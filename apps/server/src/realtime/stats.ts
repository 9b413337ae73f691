import type { RealtimeStats, RealtimeStatsSource } from '@goated/api/server';

/** Plain counters, bumped inline by the transport; `snapshot()` copies them for `admin.stats`. */
export class RealtimeCounters implements RealtimeStatsSource {
  connectionsTotal = 0;
  connectionsActive = 0;
  connectionsPeak = 0;
  subscriptionsTotal = 0;
  subscriptionsActive = 0;
  sseTotal = 0;
  sseActive = 0;
  messagesIn = 0;
  messagesOut = 0;
  authFailures = 0;
  keepAliveTimeouts = 0;
  slowConsumersDropped = 0;
  messageTooLarge = 0;
  messageRate = 0;
  subscriptionLimit = 0;

  connectionOpened(): void {
    this.connectionsTotal++;
    this.connectionsActive++;
    if (this.connectionsActive > this.connectionsPeak) this.connectionsPeak = this.connectionsActive;
  }

  connectionClosed(): void {
    this.connectionsActive--;
  }

  subscriptionStarted(): void {
    this.subscriptionsTotal++;
    this.subscriptionsActive++;
  }

  subscriptionEnded(): void {
    this.subscriptionsActive--;
  }

  sseOpened(): void {
    this.sseTotal++;
    this.sseActive++;
  }

  sseClosed(): void {
    this.sseActive--;
  }

  snapshot(): RealtimeStats {
    return {
      connections: { total: this.connectionsTotal, active: this.connectionsActive, peak: this.connectionsPeak },
      subscriptions: { total: this.subscriptionsTotal, active: this.subscriptionsActive },
      sse: { total: this.sseTotal, active: this.sseActive },
      messages: { in: this.messagesIn, out: this.messagesOut },
      authFailures: this.authFailures,
      keepAliveTimeouts: this.keepAliveTimeouts,
      slowConsumersDropped: this.slowConsumersDropped,
      limitViolations: {
        messageTooLarge: this.messageTooLarge,
        messageRate: this.messageRate,
        subscriptions: this.subscriptionLimit,
      },
    };
  }
}
