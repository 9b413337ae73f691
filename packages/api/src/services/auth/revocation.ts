import {
  isSharedSubscription,
  type SharedSubscription,
  type StreamSink,
  subscribeDirect,
} from '../../live/shared-stream';
import { type Credential, endedError } from './credential';
import type { CredentialMonitor } from './credential-monitor';

function isAsyncIterable(value: unknown): value is AsyncIterable<unknown> {
  return typeof value === 'object' && value !== null && Symbol.asyncIterator in value;
}

function errorOf(credential: Credential) {
  return endedError(credential.ended ?? 'revoked', credential.source.kind);
}

/**
 * Passes a subscription's events through while the credential behind it holds, and ends it with
 * UNAUTHORIZED/FORBIDDEN (the reason) the moment it does not — whatever the transport
 * (WebSocket, SSE, a server-side caller). The credential is watched meanwhile, so a revocation
 * on another instance, an expiry or a database re-check ends it too. A shared stream keeps its
 * push path.
 */
export function endWithCredential(source: unknown, credential: Credential, monitor: CredentialMonitor): unknown {
  if (isSharedSubscription(source)) return sharedEndingWith(source, credential, monitor);
  if (isAsyncIterable(source)) return iterableEndingWith(source, credential, monitor);
  return source;
}

function sharedEndingWith(
  source: SharedSubscription<unknown>,
  credential: Credential,
  monitor: CredentialMonitor,
): SharedSubscription<unknown> {
  return {
    [subscribeDirect](sink: StreamSink<unknown>) {
      const release = monitor.watch(credential);
      if (credential.ended) {
        release();
        sink.error(errorOf(credential));
        return () => {};
      }
      let done = false;
      const stop = () => {
        if (done) return;
        done = true;
        credential.signal.removeEventListener('abort', onEnd);
        detach();
        release();
      };
      const onEnd = () => {
        stop();
        sink.error(errorOf(credential));
      };
      credential.signal.addEventListener('abort', onEnd, { once: true });
      const detach = source[subscribeDirect]({
        next: (value) => sink.next(value),
        error: (cause) => {
          stop();
          sink.error(cause);
        },
      });
      return stop;
    },
    [Symbol.asyncIterator]: () => iterableEndingWith(source, credential, monitor)[Symbol.asyncIterator](),
  };
}

async function* iterableEndingWith(
  source: AsyncIterable<unknown>,
  credential: Credential,
  monitor: CredentialMonitor,
): AsyncGenerator<unknown> {
  const release = monitor.watch(credential);
  const iterator = source[Symbol.asyncIterator]();
  let finished = false;
  try {
    for (;;) {
      if (credential.ended) throw errorOf(credential);
      // One listener per step, removed when the step settles: nothing accumulates on a
      // long-lived stream (a race against one shared promise would keep a reaction per event).
      const step = await new Promise<IteratorResult<unknown> | 'ended'>((resolve, reject) => {
        const onEnd = () => resolve('ended');
        credential.signal.addEventListener('abort', onEnd, { once: true });
        iterator.next().then(
          (result) => {
            credential.signal.removeEventListener('abort', onEnd);
            resolve(result);
          },
          (cause: unknown) => {
            credential.signal.removeEventListener('abort', onEnd);
            reject(cause);
          },
        );
      });
      if (step === 'ended') throw errorOf(credential);
      if (step.done) {
        finished = true;
        return;
      }
      yield step.value;
    }
  } finally {
    release();
    // Not awaited: the source may be parked on an await that only its abort signal ends.
    if (!finished) void iterator.return?.();
  }
}
