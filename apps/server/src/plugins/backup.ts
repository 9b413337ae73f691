import { createGzip } from 'node:zlib';
import { type AppDeps, actorOf, createRequestContext, recordAudit } from '@goated/api/server';
import { writeBackup } from '@goated/db/backup';
import type { FastifyPluginAsync } from 'fastify';

/**
 * `GET /admin/backup` (admin session token or `admin`-scoped API key as a bearer token): a
 * logical backup streamed from this process, in the format `pnpm restore` reads. It is how the
 * embedded PGlite database — which only the server process may open — is backed up while the
 * server runs (`pnpm backup --from URL --token KEY`); it works on PostgreSQL too. The snapshot
 * is one repeatable-read transaction; on PGlite (one session) other queries wait while it runs.
 */
export const backupPlugin: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  app.get('/admin/backup', { compress: false }, async (req, reply) => {
    const ctx = await createRequestContext(deps, {
      requestId: req.id,
      ip: req.ip,
      cookieHeader: null,
      authorization: req.headers.authorization ?? null,
      connectionToken: null,
      cookies: null,
    }).catch(() => null);
    if (!ctx || (!ctx.user && !ctx.apiKey)) return reply.code(401).send({ error: 'An admin bearer token is required' });
    const isAdmin = ctx.user?.role === 'admin' || ctx.apiKey?.scopes.includes('admin') === true;
    if (!isAdmin) return reply.code(403).send({ error: 'Backups are for admins only' });

    await recordAudit(deps.db, actorOf(ctx), { action: 'backup.download', details: { mode: deps.dbKind } });
    const stamp = new Date().toISOString().replace(/[:]/g, '').replace(/\..+$/, 'Z');
    const gzip = createGzip();
    writeBackup(deps.db, gzip, { mode: deps.dbKind }).then(
      (header) => {
        req.log.info({ tables: header.tables.length, schema: header.schema.latest }, 'backup streamed');
        gzip.end();
      },
      (err: unknown) => {
        // Cutting the stream leaves the client a file without its end line, which restore refuses.
        req.log.error({ err }, 'backup failed');
        gzip.destroy(err instanceof Error ? err : new Error(String(err)));
      },
    );
    return reply
      .header('content-type', 'application/gzip')
      .header('content-disposition', `attachment; filename="goated-${stamp}.backup.gz"`)
      .header('cache-control', 'no-store')
      .send(gzip);
  });
};
