/**
 * The server procedures the bot uses, typed from the router itself: `createClient(...).api`
 * satisfies these, and unit tests stub the command procedures through the same types.
 */
import type { Client, RouterInputs, RouterOutputs } from '@goated/client';

type Procedure<P extends keyof RouterInputs> = keyof RouterInputs[P] & keyof RouterOutputs[P];
type CallOptions = { signal?: AbortSignal };

/** One query as the typed client exposes it. */
interface Query<P extends keyof RouterInputs, K extends Procedure<P>> {
  query(input: RouterInputs[P][K], opts?: CallOptions): Promise<RouterOutputs[P][K]>;
}

/** One mutation as the typed client exposes it. */
interface Mutation<P extends keyof RouterInputs, K extends Procedure<P>> {
  mutate(input: RouterInputs[P][K], opts?: CallOptions): Promise<RouterOutputs[P][K]>;
}

/** What the commands call. */
export interface BotApi {
  leaderboard: { top: Query<'leaderboard', 'top'> };
  /** For the data's freshness under /stats. */
  health: { status: Query<'health', 'status'> };
  races: { list: Query<'races', 'list'>; standings: Query<'races', 'standings'> };
  telegram: {
    verify: Mutation<'telegram', 'verify'>;
    userByTelegramId: Query<'telegram', 'userByTelegramId'>;
    issueResetToken: Mutation<'telegram', 'issueResetToken'>;
    lookupUser: Query<'telegram', 'lookupUser'>;
    broadcast: Mutation<'telegram', 'broadcast'>;
    standing: Query<'telegram', 'standing'>;
    claimPlayer: Mutation<'telegram', 'claimPlayer'>;
    reviewClaim: Mutation<'telegram', 'reviewClaim'>;
    claimForReview: Query<'telegram', 'claimForReview'>;
  };
}

type ClientApi = Client['api'];

/** What the notifications use: the subscriptions and the heartbeat. */
export interface NotificationsApi {
  telegram: Pick<ClientApi['telegram'], 'onNotification' | 'onClaim'>;
  health: Pick<ClientApi['health'], 'status'>;
}

/** The tRPC error code of a failed call (`NOT_FOUND`, `FORBIDDEN`, …), when the server answered one. */
export function apiErrorCode(err: unknown): string | undefined {
  if (!(err instanceof Error) || !('data' in err)) return undefined;
  const data: unknown = err.data;
  if (typeof data !== 'object' || data === null || !('code' in data)) return undefined;
  return typeof data.code === 'string' ? data.code : undefined;
}
