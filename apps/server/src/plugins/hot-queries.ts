import { type AppDeps, cacheGeneration, deserializeInput, hotQueries, toWireJson } from '@goated/api';
import type { FastifyReply } from 'fastify';
import fp from 'fastify-plugin';

const PREFIX = '/trpc/';
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
 * It runs as a `preHandler` hook, so every `onRequest` hook (rate limits, auth) runs first.
 */
export const hotQueriesPlugin = fp<{ deps: AppDeps }>(
  async (app, { deps }) => {
    const bodies = new WeakMap<object, { plain: Buffer; batch: Buffer }>();
    const byUrl = new Map<string, { generation: number; expiresAt: number; body: Buffer }>();
    const send = (reply: FastifyReply, body: Buffer) =>
      // A Buffer: nothing is serialized or re-encoded per request, and the content type stays
      // exactly tRPC's.
      reply.header('content-type', 'application/json').header('vary', 'trpc-accept, accept').send(body);

    app.addHook('preHandler', async (request, reply) => {
      const url = request.url;
      if (request.method !== 'GET' || !url.startsWith(PREFIX) || request.headers['trpc-accept'] !== undefined) return;
      const generation = cacheGeneration(deps);
      const memo = byUrl.get(url);
      if (memo && memo.generation === generation && memo.expiresAt > Date.now()) return send(reply, memo.body);
      const end = url.indexOf('?');
      const hot = hotQueries[url.slice(PREFIX.length, end === -1 ? undefined : end)];
      if (!hot) return;

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
      return send(reply, body);
    });
  },
  { name: 'hot-queries' },
);
