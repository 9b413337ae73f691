import { type AppDeps, cacheGeneration, deserializeInput, hotQueries, toWireJson } from '@goated/api/server';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

const PREFIX = '/trpc/';

/** Lookups of the URL memo (hits skip even the query caches), for metrics. */
export interface UrlMemoCounts {
  hits: number;
  misses: number;
}
/** Answers remembered by exact URL, so a repeated request skips parsing and validation too. */
const URL_MEMO_ENTRIES = 1000;
/** A remembered answer's upper age (the caches' own time-based expiry, e.g. a race starting). */
const URL_MEMO_MS = 1000;

function stringParam(query: unknown, name: string): string | undefined {
  if (typeof query !== 'object' || query === null || !(name in query)) return undefined;
  const value: unknown = Reflect.get(query, name);
  return typeof value === 'string' ? value : undefined;
}

/**
 * The fast path for cached public queries over HTTP (`leaderboard.top`, `leaderboard.position`,
 * `races.standings`), beside the tRPC adapter. Stock tRPC turns every request into a Fetch
 * `Request`, an abort signal and a streamed `Response`: with the answer already in memory that
 * machinery is nearly all the cost (measured: ~0.05× the requests/s of a bare route). Here a
 * `GET /trpc/<hot query>` — plain or a batch of one, as `httpBatchLink` sends it — is answered
 * with the same bytes tRPC would send, the cached value serialized once per value rather than
 * once per request; a repeated URL is answered from a short memo that any cache-clearing
 * event invalidates (and that lives at most a second). Anything else (other procedures, bigger batches, streaming batches, an input
 * the schema refuses, a failing service) goes on to tRPC untouched, which answers it as always.
 * The same query rate tier applies (keyed by client address); a caller over it falls through to
 * tRPC, which answers TOO_MANY_REQUESTS. Calls are reported to `deps.observe` like any other.
 */
export const hotQueriesPlugin = fp<{ deps: AppDeps; memo: UrlMemoCounts }>(
  async (app, { deps, memo: memoCounts }) => {
    const bodies = new WeakMap<object, { plain: Buffer; batch: Buffer }>();
    const byUrl = new Map<string, { generation: number; expiresAt: number; body: Buffer }>();
    const send = (request: FastifyRequest, reply: FastifyReply, body: Buffer, path: string, started: number) => {
      deps.observe?.({
        path,
        type: 'query',
        durationMs: performance.now() - started,
        errorCode: null,
        requestId: request.id,
        userId: null,
        apiKeyId: null,
      });
      // A Buffer: nothing is serialized or re-encoded per request, and the content type stays
      // exactly tRPC's.
      return reply.header('content-type', 'application/json').header('vary', 'trpc-accept, accept').send(body);
    };

    app.addHook('preHandler', async (request, reply) => {
      const url = request.url;
      if (request.method !== 'GET' || !url.startsWith(PREFIX) || request.headers['trpc-accept'] !== undefined) return;
      const started = performance.now();
      const end = url.indexOf('?');
      const path = url.slice(PREFIX.length, end === -1 ? undefined : end);
      const hot = hotQueries[path];
      if (!hot) return;
      if (deps.rateLimits) {
        try {
          await deps.rateLimits.consume('query', `ip:${request.ip}`);
        } catch {
          return;
        }
      }
      const generation = cacheGeneration(deps);
      const memo = byUrl.get(url);
      if (memo && memo.generation === generation && memo.expiresAt > Date.now()) {
        memoCounts.hits++;
        return send(request, reply, memo.body, path, started);
      }
      memoCounts.misses++;

      const batch = stringParam(request.query, 'batch') === '1';
      const inputText = stringParam(request.query, 'input');
      let input: unknown;
      try {
        if (batch) {
          // A batch of exactly one call: {"0": <input>}.
          const calls: unknown = inputText === undefined ? {} : JSON.parse(inputText);
          if (typeof calls !== 'object' || calls === null || Object.keys(calls).join() !== '0') return;
          const first: unknown = Reflect.get(calls, '0');
          input = first === undefined ? undefined : deserializeInput(JSON.stringify(first));
        } else {
          input = inputText === undefined ? undefined : deserializeInput(inputText);
        }
      } catch {
        return; // not valid JSON: tRPC answers with its parse error
      }

      const answering = hot.answer(deps, input);
      if (!answering) return;
      let value: object;
      try {
        value = await answering;
      } catch {
        return; // tRPC runs the procedure again and reports the failure its usual way
      }
      let wire = bodies.get(value);
      if (!wire) {
        const result = `{"result":{"data":${toWireJson(value)}}}`;
        wire = { plain: Buffer.from(result), batch: Buffer.from(`[${result}]`) };
        bodies.set(value, wire);
      }
      const body = batch ? wire.batch : wire.plain;
      // Only an answer computed under the current generation may be remembered.
      if (cacheGeneration(deps) === generation) {
        if (byUrl.size >= URL_MEMO_ENTRIES) byUrl.clear();
        byUrl.set(url, { generation, expiresAt: Date.now() + URL_MEMO_MS, body });
      }
      return send(request, reply, body, path, started);
    });
  },
  { name: 'hot-queries' },
);
