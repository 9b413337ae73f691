/**
 * The credential monitor and the key-ownership rules, at the service level on both databases:
 * deadlines (rotation grace, session expiry), the database re-check that catches what no event
 * said, the re-check when the bus comes back, and keys that act with their owner's rights.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { migrationsFolder, schema } from '@goated/db';
import { testBackends } from '@goated/testing/db';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { CredentialMonitor, createInProcessBus, type EventBus, type SessionUser } from '../src/server';
import { type Caller, createTestApi, insertUser, type TestApi } from './fixtures';

/** An in-process bus that can pretend to come back from an outage. */
function reconnectingBus(): EventBus & { reconnected(): void } {
  const inner = createInProcessBus();
  const listeners = new Set<() => void>();
  return {
    publish: (topic, payload) => inner.publish(topic, payload),
    subscribe: (topic, handler) => inner.subscribe(topic, handler),
    health: () => inner.health(),
    close: () => inner.close(),
    onReconnect(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    reconnected: () => {
      for (const listener of listeners) listener();
    },
  };
}

describe.each(testBackends())('credentials on %s', (kind) => {
  let t: TestApi;
  let admin: SessionUser;
  let adminCaller: Caller;

  const contextFor = (token: string) => t.bearerContext(token);

  beforeAll(async () => {
    t = await createTestApi(kind);
    admin = await insertUser(t.deps.db, { username: 'key_admin', role: 'admin' });
    adminCaller = t.callerAs({ user: admin });
  });
  afterAll(() => t.close());

  it('a key made by a key belongs to the maker’s owner, and is suspended with the owner’s rights', async () => {
    const owner = await insertUser(t.deps.db, { username: 'maker_owner', role: 'admin' });
    const first = await t.callerAs({ user: owner }).admin.apiKeys.create({ name: 'first', scopes: ['admin'] });
    const viaKey = t.callerAs({ apiKey: (await contextFor(first.key)).apiKey });
    const second = await viaKey.admin.apiKeys.create({ name: 'second', scopes: ['admin'] });
    expect(second.apiKey.owner).toEqual({ id: owner.id, username: 'maker_owner' });
    const rotated = await viaKey.admin.apiKeys.rotate({ id: second.apiKey.id, graceHours: 0 });
    expect(rotated.apiKey.owner?.id).toBe(owner.id);

    await adminCaller.admin.users.update({ userId: owner.id, role: 'user' });
    for (const key of [first.key, rotated.key]) {
      await expect(contextFor(key)).rejects.toMatchObject({
        code: 'UNAUTHORIZED',
        message: 'This API key is suspended',
      });
    }
    const listed = await adminCaller.admin.apiKeys.list();
    expect(listed.filter((k) => k.owner?.id === owner.id).map((k) => k.status)).toEqual([
      'suspended',
      'suspended',
      'suspended',
    ]);
  });

  it('a key rotated with a grace period keeps its connections until the grace ends', async () => {
    const created = await adminCaller.admin.apiKeys.create({ name: 'graceful', scopes: ['read'] });
    const ctx = await contextFor(created.key);
    const monitor = new CredentialMonitor(t.deps);
    const credential = ctx.credential;
    if (!credential) throw new Error('no credential');
    const release = monitor.watch(credential);
    try {
      await adminCaller.admin.apiKeys.rotate({ id: created.apiKey.id, graceHours: 1 });
      expect(credential.ended).toBeNull();
      expect(credential.deadline?.reason).toBe('rotated');
      expect(credential.deadline?.at).toBeGreaterThan(Date.now() + 59 * 60_000);
      // The end of the grace, brought near: the deadline moves, and the clock ends it.
      await t.deps.bus.publish('apiKey.revoked', {
        keyId: created.apiKey.id,
        reason: 'rotated',
        effectiveAt: new Date(Date.now() + 300).toISOString(),
        at: new Date().toISOString(),
      });
      expect(credential.ended).toBeNull();
      await vi.waitFor(() => expect(credential.ended).toBe('rotated'), { timeout: 5000 });
    } finally {
      release();
    }
  });

  it('the database re-check ends what no event announced, and runs when the bus comes back', async () => {
    const bus = reconnectingBus();
    const monitor = new CredentialMonitor({ ...t.deps, bus, credentialRecheckMs: 3_600_000 });
    const created = await adminCaller.admin.apiKeys.create({ name: 'quietly revoked', scopes: ['read'] });
    const credential = (await contextFor(created.key)).credential;
    if (!credential) throw new Error('no credential');
    const release = monitor.watch(credential);
    try {
      // As if revoked on an instance whose event was lost in an outage.
      await t.deps.db
        .update(schema.apiKeys)
        .set({ revokedAt: new Date() })
        .where(eq(schema.apiKeys.id, created.apiKey.id));
      expect(monitor.reason({ credential })).toBeNull();
      bus.reconnected();
      await vi.waitFor(() => expect(credential.ended).toBe('revoked'), { timeout: 5000 });
      expect(monitor.watchedCount).toBe(0);
    } finally {
      release();
    }
  });

  it('a session at its deadline is checked against the database: ended if expired, kept if it slid', async () => {
    const monitor = new CredentialMonitor(t.deps);
    const signUp = async (username: string) => {
      const { token } = await t.caller.auth.signUp({ username, password: 'correct horse battery', mode: 'token' });
      const ctx = await contextFor(token ?? '');
      if (!ctx.credential || !ctx.user) throw new Error('no credential');
      return { credential: ctx.credential, userId: ctx.user.id };
    };
    const expiring = await signUp('expiring_user');
    const sliding = await signUp('sliding_user');
    const soon = Date.now() + 300;
    expiring.credential.deadline = { at: soon, reason: 'expired' };
    sliding.credential.deadline = { at: soon, reason: 'expired' };
    await t.deps.db
      .update(schema.sessions)
      .set({ expiresAt: new Date(soon) })
      .where(eq(schema.sessions.userId, expiring.userId));
    const releases = [monitor.watch(expiring.credential), monitor.watch(sliding.credential)];
    try {
      await vi.waitFor(() => expect(expiring.credential.ended).toBe('expired'), { timeout: 5000 });
      await vi.waitFor(() => expect(sliding.credential.deadline?.at).toBeGreaterThan(Date.now() + 86_400_000), {
        timeout: 5000,
      });
      expect(sliding.credential.ended).toBeNull();
    } finally {
      for (const release of releases) release();
    }
  });

  it('the migration gives keys made by keys the owner at the top of their chain', async () => {
    const owner = await insertUser(t.deps.db, { username: 'chain_top', role: 'admin' });
    const rows = await t.deps.db
      .insert(schema.apiKeys)
      .values(
        ['root', 'child', 'grandchild'].map((name, i) => ({
          name,
          prefix: `gvk_${name}`,
          keyHash: `legacy-${name}-${kind}`,
          scopes: ['admin' as const],
          createdBy: i === 0 ? owner.id : null,
        })),
      )
      .returning({ id: schema.apiKeys.id });
    const [root, child, grandchild] = rows.map((r) => r.id);
    await t.deps.db.insert(schema.auditLog).values([
      { actorApiKeyId: root, action: 'apiKey.create', targetType: 'apiKey', targetId: String(child) },
      {
        actorApiKeyId: child,
        action: 'apiKey.rotate',
        targetType: 'apiKey',
        targetId: String(root),
        details: { newKeyId: grandchild },
      },
    ]);
    // Found by name: migrations are renumbered when branches merge.
    const file = readdirSync(migrationsFolder).find((f) => f.endsWith('_api_key_owners.sql'));
    if (!file) throw new Error('the api_key_owners migration is missing');
    const migration = readFileSync(path.join(migrationsFolder, file), 'utf8');
    await t.deps.db.execute(sql.raw(migration));
    const owners = await t.deps.db
      .select({ id: schema.apiKeys.id, owner: schema.apiKeys.createdBy })
      .from(schema.apiKeys)
      .where(sql`${schema.apiKeys.id} in (${child}, ${grandchild})`);
    expect(owners.map((o) => o.owner)).toEqual([owner.id, owner.id]);
  });
});
