/**
 * Every kind of notification a user can get. A kind is what preferences are set for (per
 * kind, for the web inbox and for Telegram separately); each notification also carries a
 * precise `type` (`claim.rejected`, `race.won`) for clients that want to tell them apart.
 *
 * Adding a kind is one line here: it shows up in `notifications.preferences`, the dashboard's
 * preference table and the API types at once.
 */
export interface NotificationKindInfo {
  /** As the dashboard shows it. */
  label: string;
  description: string;
  /** Whether a user who never chose gets it on each channel. */
  defaults: { web: boolean; telegram: boolean };
  /** Security notices: always delivered, not switchable. */
  required?: true;
}

export const notificationKinds = {
  racePosition: {
    label: 'Race position',
    description: 'Your rank in a live race moves by a few places',
    defaults: { web: true, telegram: true },
  },
  raceResults: {
    label: 'Race results',
    description: 'You finish a race in a paid place',
    defaults: { web: true, telegram: true },
  },
  tier: {
    label: 'VIP tier',
    description: 'Your player reaches a new VIP tier',
    defaults: { web: true, telegram: true },
  },
  claims: {
    label: 'Player claims',
    description: 'Your claim to a casino player is received, approved or rejected',
    defaults: { web: true, telegram: true },
  },
  challenges: {
    label: 'Challenges',
    description: 'Your challenge entry is approved',
    defaults: { web: true, telegram: true },
  },
  announcements: {
    label: 'Announcements',
    description: 'Messages from the team to everyone',
    defaults: { web: true, telegram: true },
  },
  account: {
    label: 'Account and security',
    description: 'Telegram linked or unlinked, password reset',
    defaults: { web: true, telegram: true },
    required: true,
  },
} as const satisfies Record<string, NotificationKindInfo>;

export type NotificationKind = keyof typeof notificationKinds;

export const notificationKindNames = Object.keys(notificationKinds) as NotificationKind[];

export function isNotificationKind(value: string): value is NotificationKind {
  return Object.hasOwn(notificationKinds, value);
}

export function kindInfo(kind: NotificationKind): NotificationKindInfo {
  return notificationKinds[kind];
}
