import { ForbiddenError, UnauthorizedError } from '../../errors';

/** Why a credential stopped holding. */
export type EndReason =
  // sessions (the reasons of `auth.revoked`)
  | 'signed-out'
  | 'password-changed'
  | 'banned'
  | 'role-changed'
  // sessions and keys past their end
  | 'expired'
  // keys
  | 'revoked'
  | 'rotated'
  | 'suspended';

/** What an identity rests on. */
export type CredentialSource =
  /** A lucia session; `sessionId` null for identities made by server-side callers (tests, jobs). */
  | { kind: 'session'; sessionId: string | null; userId: string; role: 'user' | 'admin' }
  /** An API key, acting for its owner (null: a system key, see api-keys.ts). */
  | { kind: 'apiKey'; keyId: number; ownerId: string | null };

/** When a credential stops holding by the clock alone, and what that is called. */
export interface Deadline {
  at: number;
  reason: EndReason;
}

/**
 * One presented credential, as a request or connection holds it. It ends once (revocation,
 * expiry, ban…), and everything built on it — the calls on a WebSocket, its open subscriptions,
 * an SSE stream — ends with it: `signal` aborts. `deadline` may move (a session's sliding expiry,
 * a key's rotation grace) until then.
 */
export class Credential {
  /** When the identity was established (revocations older than this do not apply). */
  readonly since = Date.now();
  // Made on first use: most credentials belong to short HTTP requests nobody watches.
  private controller: AbortController | undefined;
  private endedBecause: EndReason | null = null;

  constructor(
    readonly source: CredentialSource,
    public deadline: Deadline | null = null,
  ) {}

  get ended(): EndReason | null {
    return this.endedBecause;
  }

  /** Aborts when the credential ends. */
  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.endedBecause) this.controller.abort(this.endedBecause);
    }
    return this.controller.signal;
  }

  /** The user whose standing decides this credential: the session's user or the key's owner. */
  get userId(): string | null {
    return this.source.kind === 'session' ? this.source.userId : this.source.ownerId;
  }

  /** Ends it (once); false if it had already ended. */
  end(reason: EndReason): boolean {
    if (this.endedBecause) return false;
    this.endedBecause = reason;
    this.controller?.abort(reason);
    return true;
  }
}

const keyMessages: Partial<Record<EndReason, string>> = {
  revoked: 'This API key is revoked',
  rotated: 'This API key is rotated',
  expired: 'This API key is expired',
  suspended: 'This API key is suspended: its owner no longer has the rights behind it',
};

/** The error a call or subscription gets once its credential has ended. */
export function endedError(
  reason: EndReason,
  kind: CredentialSource['kind'] = 'session',
): ForbiddenError | UnauthorizedError {
  if (reason === 'banned') return new ForbiddenError('This account is banned');
  const keyMessage = kind === 'apiKey' ? keyMessages[reason] : undefined;
  return new UnauthorizedError(keyMessage ?? 'Your session has ended; sign in again');
}
