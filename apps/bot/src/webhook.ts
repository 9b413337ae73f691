/**
 * Webhook mode: a node:http server in front of the library's `webhookCallback`. The secret
 * token (X-Telegram-Bot-Api-Secret-Token, set with setWebhook's `secret_token`) is compared
 * in constant time — SHA-256 digests of equal length, so neither content nor length leaks —
 * before the body is read: a wrong or missing one gets 401 and nothing is processed.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { type Bot, webhookCallback } from 'node-telegram-bot-api';
import type { Logger } from './log';

export interface WebhookServerOptions {
  secretToken: string;
  /** Only POSTs to this path are updates. Default `/`. */
  path?: string;
  /** Largest update body accepted. Default 1 MiB. */
  maxBodyBytes?: number;
  logger: Logger;
}

const digest = (value: string) => createHash('sha256').update(value).digest();

/** True when `presented` equals `expected`, in time independent of both. */
export function secretMatches(presented: string | string[] | undefined, expected: string): boolean {
  if (typeof presented !== 'string') return false;
  return timingSafeEqual(digest(presented), digest(expected));
}

function send(res: ServerResponse, status: number, body = ''): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' }).end(body);
}

async function readBody(req: IncomingMessage, limit: number): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buffer.length;
    if (size > limit) return null;
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** The webhook server, not yet listening (the caller picks host and port). */
export function createWebhookServer(bot: Bot, options: WebhookServerOptions): Server {
  const path = options.path ?? '/';
  const limit = options.maxBodyBytes ?? 1024 * 1024;
  const expected = options.secretToken;
  // The library checks the secret again, and parses and dispatches the update.
  const handle = webhookCallback(bot, { secretToken: expected });

  return createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://bot.local');
      if (url.pathname !== path) return send(res, 404, 'Not found');
      if (req.method !== 'POST') return send(res, 405, 'Method not allowed');
      const presented = req.headers['x-telegram-bot-api-secret-token'];
      if (!secretMatches(presented, expected)) {
        options.logger.warn({}, `Webhook call with a ${presented ? 'wrong' : 'missing'} secret token refused`);
        return send(res, 401, 'Unauthorized');
      }
      const body = await readBody(req, limit);
      if (!body) return send(res, 413, 'Payload too large');
      const headers = new Headers();
      for (const [name, value] of Object.entries(req.headers)) {
        if (typeof value === 'string') headers.set(name, value);
      }
      const response = await handle(new Request(url, { method: 'POST', headers, body }));
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    })().catch((err: unknown) => {
      options.logger.error({ err }, 'Webhook request failed:');
      if (!res.headersSent) send(res, 500, 'Internal error');
      else res.destroy();
    });
  });
}
