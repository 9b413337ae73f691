/**
 * A local stand-in for the Telegram Bot API: node:http answering `POST /bot<token>/<method>`
 * like Telegram does, recording every call, with failures (429, 5xx, 403…) on demand.
 */
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { waitFor } from './wait';

export const TOKEN = '123456:TEST-token';

export interface Call {
  method: string;
  params: Record<string, string>;
}

export interface FakeReply {
  status: number;
  body: { ok: false; error_code: number; description: string; parameters?: { retry_after?: number } };
}

export interface FakeTelegram {
  apiRoot: string;
  calls: Call[];
  /** The params of each sendMessage so far. */
  sent(): Record<string, string>[];
  /** Texts sent to one chat, in order. */
  textsTo(chatId: number): string[];
  /** The next calls of `method` get these answers, one each, before normal service resumes. */
  failNext(method: string, ...replies: FakeReply[]): void;
  /** Every sendMessage to this chat fails like a user who blocked the bot. */
  blockChat(chatId: number): void;
  reset(): void;
  /** Resolves once `predicate` holds, checking every 10 ms; rejects after `timeoutMs`. */
  waitFor(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export const tooManyRequests = (retryAfter: number): FakeReply => ({
  status: 429,
  body: {
    ok: false,
    error_code: 429,
    description: `Too Many Requests: retry after ${retryAfter}`,
    parameters: { retry_after: retryAfter },
  },
});

export const serverError: FakeReply = {
  status: 502,
  body: { ok: false, error_code: 502, description: 'Bad Gateway' },
};

export async function startFakeTelegram(): Promise<FakeTelegram> {
  const calls: Call[] = [];
  const failures = new Map<string, FakeReply[]>();
  const blocked = new Set<string>();
  let messageId = 0;

  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const m = /^\/bot([^/]+)\/(\w+)$/.exec(req.url ?? '');
      res.setHeader('content-type', 'application/json');
      if (!m || m[1] !== TOKEN) {
        res.statusCode = 401;
        res.end(JSON.stringify({ ok: false, error_code: 401, description: 'Unauthorized' }));
        return;
      }
      const method = m[2] ?? '';
      const params = Object.fromEntries(new URLSearchParams(body));
      const failure = failures.get(method)?.shift();
      if (failure) {
        res.statusCode = failure.status;
        res.end(JSON.stringify(failure.body));
        return;
      }
      if (method === 'sendMessage' && blocked.has(params.chat_id ?? '')) {
        res.statusCode = 403;
        res.end(JSON.stringify({ ok: false, error_code: 403, description: 'Forbidden: bot was blocked by the user' }));
        return;
      }
      calls.push({ method, params });
      let result: unknown = true;
      if (method === 'getMe') result = { id: 42, is_bot: true, first_name: 'Goated', username: 'goated_test_bot' };
      if (method === 'sendMessage') {
        result = { message_id: ++messageId, date: 0, chat: { id: Number(params.chat_id), type: 'private' } };
      }
      res.end(JSON.stringify({ ok: true, result }));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;

  const sent = () => calls.filter((c) => c.method === 'sendMessage').map((c) => c.params);
  return {
    apiRoot: `http://127.0.0.1:${port}`,
    calls,
    sent,
    textsTo: (chatId) =>
      sent()
        .filter((p) => p.chat_id === String(chatId))
        .map((p) => p.text ?? ''),
    failNext(method, ...replies) {
      failures.set(method, [...(failures.get(method) ?? []), ...replies]);
    },
    blockChat(chatId) {
      blocked.add(String(chatId));
    },
    reset() {
      calls.length = 0;
      failures.clear();
      blocked.clear();
    },
    waitFor: (predicate, timeoutMs = 5_000) =>
      waitFor(predicate, { label: 'a condition on the fake Telegram', timeoutMs, intervalMs: 10 }),
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
