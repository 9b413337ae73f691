import { Readable } from 'node:stream';
import {
  type AppDeps,
  actorOf,
  createRequestContext,
  type ExportSource,
  exportKinds,
  NotFoundError,
  openExport,
  recordAudit,
} from '@goated/api/server';
import { stringify } from 'csv-stringify/sync';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { ZodError } from 'zod';

/**
 * `GET /admin/export/<what>.csv` for admins — the session cookie of a signed-in admin (the
 * dashboard's download links) or an `admin`-scoped API key as a bearer token (scripts). Each
 * download is audited, then streamed: rows are read in batches as the client takes them, and
 * each batch is written by csv-stringify (quoting per RFC 4180, spreadsheet formulas
 * neutralised: a cell starting with = + - @ gets a leading ') as one chunk. A chunk per batch
 * rather than per row keeps the export near PostgreSQL's own COPY: a million tiny writes to the
 * socket cost more than the database does.
 */
type FirstBatch = Awaited<ReturnType<ExportSource['batches']['next']>>;

async function* csvChunks(source: ExportSource, first: FirstBatch): AsyncGenerator<string> {
  const options = { columns: source.header, escape_formulas: true, cast: { boolean: String } };
  yield stringify(first.done ? [] : first.value, { ...options, header: true });
  if (first.done) return;
  for await (const batch of source.batches) yield stringify(batch, options);
}

export const exportsPlugin: FastifyPluginAsync<{ deps: AppDeps }> = async (app, { deps }) => {
  async function adminOf(req: FastifyRequest) {
    // The cookie counts only for a same-site request (a link on our own page); the bearer always.
    const crossSite = req.headers['sec-fetch-site'] === 'cross-site';
    const ctx = await createRequestContext(deps, {
      requestId: req.id,
      ip: req.ip,
      cookieHeader: crossSite ? null : (req.headers.cookie ?? null),
      authorization: req.headers.authorization ?? null,
      connectionToken: null,
      cookies: null,
    }).catch(() => null);
    if (!ctx || (!ctx.user && !ctx.apiKey)) return { status: 401 as const, ctx: null };
    const admin = ctx.user?.role === 'admin' || ctx.apiKey?.scopes.includes('admin') === true;
    return admin ? { status: 200 as const, ctx } : { status: 403 as const, ctx: null };
  }

  app.get<{ Params: { what: string }; Querystring: Record<string, string> }>(
    '/admin/export/:what',
    { compress: false },
    async (req, reply) => {
      const kind = exportKinds.find((k) => `${k}.csv` === req.params.what);
      if (!kind) return reply.code(404).send({ error: `No such export; try one of ${exportKinds.join(', ')} (.csv)` });
      const who = await adminOf(req);
      if (who.status === 401) return reply.code(401).send({ error: 'Sign in as an admin, or send an admin API key' });
      if (!who.ctx) return reply.code(403).send({ error: 'Exports are for admins only' });

      let source: ReturnType<typeof openExport>;
      try {
        source = openExport(deps.db, kind, req.query);
      } catch (err) {
        if (err instanceof ZodError) {
          const problems = err.issues.map((i) => `${i.path.join('.') || 'query'}: ${i.message}`).join('; ');
          return reply.code(400).send({ error: `Bad export parameters: ${problems}` });
        }
        throw err;
      }
      // The first batch is read before answering, so a missing race is a 404, not a broken file.
      let first: FirstBatch;
      try {
        first = await source.batches.next();
      } catch (err) {
        if (err instanceof NotFoundError) return reply.code(404).send({ error: err.message });
        throw err;
      }
      await recordAudit(deps.db, actorOf(who.ctx), {
        action: 'export.download',
        targetType: 'export',
        targetId: kind,
        details: { query: req.query },
      });

      const stamp = new Date().toISOString().slice(0, 10);
      reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="${source.name}-${stamp}.csv"`)
        .header('cache-control', 'no-store');
      // Backpressure end to end: the next batch is read only when the socket has taken the last.
      const body = Readable.from(csvChunks(source, first), { objectMode: false });
      body.on('error', (err) => req.log.error({ err, export: kind }, 'export failed midway'));
      return reply.send(body);
    },
  );
};
