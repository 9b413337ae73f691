/**
 * A session lookup that finds nothing is confirmed by a second read of the session's row before
 * the caller is refused or signed out: a driver that answered one lookup wrongly (a connection
 * cut mid-query under load) must not sign a person out.
 */
import { testBackends } from '@goated/testing/db';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateConfirmed } from '../src/services/auth/identity';
import { type AppLucia, luciaFor } from '../src/services/auth/lucia';
import { createTestApi, insertUser, type TestApi } from './fixtures';

describe.each(testBackends())('session lookup on %s', (kind) => {
  let t: TestApi;
  let lucia: AppLucia;
  let sessionId: string;

  beforeAll(async () => {
    t = await createTestApi(kind);
    lucia = luciaFor(t.deps.db);
    const user = await insertUser(t.deps.db, { username: 'session_reader' });
    sessionId = (await lucia.createSession(user.id, {})).id;
  });
  afterAll(() => t.close());

  /** lucia, except that its first lookup answers "no session" whatever is stored. */
  function misreadOnce() {
    let calls = 0;
    return {
      calls: () => calls,
      lookup: {
        validateSession: (id: string) => {
          calls++;
          return calls === 1 ? Promise.resolve({ session: null, user: null }) : lucia.validateSession(id);
        },
      },
    };
  }

  it('looks a session up again when its row is there: one misread does not sign the caller out', async () => {
    const flaky = misreadOnce();
    const { session, user } = await validateConfirmed(flaky.lookup, t.deps.db, sessionId);
    expect(session?.id).toBe(sessionId);
    expect(user?.username).toBe('session_reader');
    expect(flaky.calls()).toBe(2);
  });

  it('refuses a session that is not there, after one read of its row', async () => {
    const flaky = misreadOnce();
    const { session } = await validateConfirmed(flaky.lookup, t.deps.db, 'no-such-session');
    expect(session).toBeNull();
    expect(flaky.calls()).toBe(1);
    expect((await validateConfirmed(lucia, t.deps.db, 'no-such-session')).session).toBeNull();
  });

  it('refuses a session that expired: lucia deletes it, and the second read finds no row', async () => {
    const user = await insertUser(t.deps.db, { username: 'session_expired' });
    const expired = await lucia.createSession(user.id, {});
    await lucia.invalidateSession(expired.id);
    expect((await validateConfirmed(lucia, t.deps.db, expired.id)).session).toBeNull();
  });
});
