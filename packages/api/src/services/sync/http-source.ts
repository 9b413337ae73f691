import { z } from 'zod';
import { parseJsonYielding, type SlicedRecords, SliceMisread, sliceRecords } from './json-slices';
import {
  concatFeeds,
  FeedMisread,
  type FeedRecords,
  type FetchOptions,
  feedOf,
  UpstreamError,
  type UpstreamSource,
} from './source';

export interface HttpUpstreamOptions {
  /** The feed's URL (`AFFILIATE_API_URL`). */
  url: string;
  /** Sent as `Authorization: Bearer …` (`AFFILIATE_API_TOKEN`). */
  token?: string | undefined;
  /** Bound on each request, headers and body together. */
  timeoutMs?: number;
  /** Further attempts after a retryable failure, per page. */
  retries?: number;
  /** First back-off delay; doubles on each retry, with jitter. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** A feed that keeps handing out cursors past this is treated as broken. */
  maxPages?: number;
  /**
   * Largest response body read, per page (`AFFILIATE_MAX_BYTES`, default 64 MiB). The body is
   * read as a stream and the request aborted past it: a runaway feed cannot fill the memory.
   */
  maxBytes?: number;
  fetch?: typeof fetch;
  random?: () => number;
}

/**
 * What one response may look like (documented in docs/UPSTREAM.md): a bare array of records,
 * or `{ data: [...], next_cursor?: string | null }` for a paged feed.
 */
const pageSchema = z.union([
  z.array(z.unknown()),
  z.object({
    data: z.array(z.unknown()),
    next_cursor: z.string().min(1).nullish(),
  }),
]);

/** Statuses where the same request may well succeed a moment later. */
function isRetryableStatus(status: number): boolean {
  return status >= 500 || status === 408 || status === 425 || status === 429;
}

/**
 * The affiliate's HTTP JSON feed. Each page is fetched with a timeout and retried with
 * exponential back-off (with jitter, honouring `Retry-After`) on 5xx, 408, 429, timeouts and
 * dropped connections; 4xx answers, malformed JSON and a wrong shape fail at once, because
 * asking again would give the same answer.
 */
export class HttpUpstream implements UpstreamSource {
  readonly name: string;
  private readonly url: URL;
  private readonly timeoutMs: number;
  private readonly retries: number;
  private readonly retryBaseMs: number;
  private readonly retryMaxMs: number;
  private readonly maxPages: number;
  private readonly maxBytes: number;
  private readonly fetchImpl: typeof fetch;
  private readonly random: () => number;

  constructor(private readonly options: HttpUpstreamOptions) {
    this.url = new URL(options.url);
    this.name = `http:${this.url.host}`;
    this.timeoutMs = options.timeoutMs ?? 10_000;
    this.retries = options.retries ?? 3;
    this.retryBaseMs = options.retryBaseMs ?? 500;
    this.retryMaxMs = options.retryMaxMs ?? 30_000;
    this.maxPages = options.maxPages ?? 1000;
    this.maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    this.fetchImpl = options.fetch ?? fetch;
    this.random = options.random ?? Math.random;
  }

  async fetchRecords(options: FetchOptions = {}): Promise<unknown[]> {
    return (await this.fetchFeed(options)).all();
  }

  /**
   * Every page fetched (with retries) and its shape checked; a big page's records are found by
   * a scan and parsed a slice at a time as they are read (`FeedRecords`).
   */
  async fetchFeed(options: FetchOptions = {}): Promise<FeedRecords> {
    const pages: FeedRecords[] = [];
    const seen = new Set<string>();
    let cursor: string | null = null;
    for (let page = 1; ; page++) {
      if (page > this.maxPages) {
        throw new UpstreamError('schema', `the feed has more than ${this.maxPages} pages`, false);
      }
      const url = new URL(this.url);
      if (cursor !== null) url.searchParams.set('cursor', cursor);
      const body = await this.fetchPageWithRetries(url, page, options);
      pages.push(body.records);
      if (!body.nextCursor) return concatFeeds(pages);
      if (seen.has(body.nextCursor)) {
        throw new UpstreamError('schema', `page ${page} repeats the cursor ${JSON.stringify(body.nextCursor)}`, false);
      }
      seen.add(body.nextCursor);
      cursor = body.nextCursor;
    }
  }

  private async fetchPageWithRetries(url: URL, page: number, options: FetchOptions): Promise<Page> {
    const maxAttempts = this.retries + 1;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.fetchPage(url, page, options.signal);
      } catch (err) {
        if (!(err instanceof UpstreamError) || !err.retryable || attempt >= maxAttempts) throw err;
        const delayMs = this.backoff(attempt, err);
        options.onRetry?.({ attempt, maxAttempts, page, error: err, delayMs });
        await sleep(delayMs, options.signal);
      }
    }
  }

  /** Exponential, with "equal jitter" so instances that failed together do not retry together. */
  private backoff(attempt: number, err: UpstreamError): number {
    const exponential = Math.min(this.retryMaxMs, this.retryBaseMs * 2 ** (attempt - 1));
    const jittered = Math.round(exponential / 2 + (this.random() * exponential) / 2);
    return Math.min(this.retryMaxMs, Math.max(jittered, err.detail.retryAfterMs ?? 0));
  }

  private async fetchPage(url: URL, page: number, outer: AbortSignal | undefined): Promise<Page> {
    // Messages name the page without its query string: a key in the URL must not reach a log.
    const where = `${url.origin}${url.pathname} (page ${page})`;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signal = outer ? AbortSignal.any([outer, timeout]) : timeout;
    let text: string;
    let response: Response;
    try {
      response = await this.fetchImpl(url, {
        headers: {
          accept: 'application/json',
          ...(this.options.token ? { authorization: `Bearer ${this.options.token}` } : {}),
        },
        signal,
      });
      text = await readCapped(response, this.maxBytes, where);
    } catch (err) {
      if (err instanceof UpstreamError) throw err;
      if (outer?.aborted) throw err;
      if (timeout.aborted) {
        throw new UpstreamError('timeout', `${where} did not answer within ${this.timeoutMs} ms`, true);
      }
      const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : '';
      throw new UpstreamError('network', `${where} could not be reached${cause}`, true);
    }

    if (!response.ok) {
      const retryAfter = Number(response.headers.get('retry-after'));
      throw new UpstreamError(
        'http',
        `${where} answered HTTP ${response.status}${snippet(text)}`,
        isRetryableStatus(response.status),
        {
          status: response.status,
          ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
        },
      );
    }

    const sliced = await sliceRecords(text);
    if (sliced) {
      // The shape is checked on the page around its records; they are parsed as they are read.
      const { nextCursor } = shapeOf(sliced.envelope ? { ...sliced.envelope, data: [] } : [], where);
      return { records: slicedFeed(text, sliced, where), nextCursor };
    }
    const { records, nextCursor } = shapeOf(await parseWhole(text, where), where);
    return { records: feedOf(records), nextCursor };
  }
}

interface Page {
  records: FeedRecords;
  nextCursor: string | null;
}

/** `JSON.parse` of a page (in slices when big), its failure told as a malformed body. */
async function parseWhole(text: string, where: string): Promise<unknown> {
  try {
    return await parseJsonYielding(text);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new UpstreamError('malformed', `${where} sent malformed JSON: ${reason}`, false);
  }
}

/** A page's records and the cursor to the next, or the error for JSON of the wrong shape. */
function shapeOf(json: unknown, where: string): { records: unknown[]; nextCursor: string | null } {
  const parsed = pageSchema.safeParse(json);
  if (!parsed.success) {
    throw new UpstreamError(
      'schema',
      `${where} sent JSON of the wrong shape: expected an array of records or { "data": [...], "next_cursor": ... }`,
      false,
    );
  }
  return Array.isArray(parsed.data)
    ? { records: parsed.data, nextCursor: null }
    : { records: parsed.data.data, nextCursor: parsed.data.next_cursor ?? null };
}

/**
 * A big page's records, parsed a slice at a time as they are read. A slice that does not parse
 * as scanned means a malformed body (told with `JSON.parse`'s own error) or, should the scan have
 * misread a valid one, `FeedMisread`: the caller then reads the page whole, with `all`.
 */
function slicedFeed(text: string, sliced: SlicedRecords, where: string): FeedRecords {
  return {
    count: sliced.count,
    async *batches() {
      try {
        yield* sliced.slices();
      } catch (err) {
        if (!(err instanceof SliceMisread)) throw err;
        await parseWhole(text, where);
        throw new FeedMisread(`${where} is to be read whole: ${err.message}`);
      }
    },
    async all() {
      // The slices already found (the shape was checked on the page around them); a slice that
      // does not parse as scanned leaves the page to JSON.parse, whose error or result is exact.
      const records: unknown[] = [];
      try {
        for await (const slice of sliced.slices()) for (const record of slice) records.push(record);
      } catch (err) {
        if (!(err instanceof SliceMisread)) throw err;
        return shapeOf(await parseWhole(text, where), where).records;
      }
      return records;
    },
  };
}

export const DEFAULT_MAX_BYTES = 64 * 1024 * 1024;

/**
 * The body as text, read chunk by chunk and abandoned (the connection cancelled) as soon as it
 * passes `maxBytes` — a `Content-Length` over the cap is refused before reading anything.
 */
async function readCapped(response: Response, maxBytes: number, where: string): Promise<string> {
  const tooLarge = () =>
    new UpstreamError(
      'too_large',
      `${where} sent more than ${maxBytes} bytes (AFFILIATE_MAX_BYTES); the response was abandoned`,
      false,
    );
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel().catch(() => 'already closed');
    throw tooLarge();
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let received = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    received += value.byteLength;
    if (received > maxBytes) {
      await reader.cancel().catch(() => 'already closed');
      throw tooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
}

/** The start of an error body, enough to tell "maintenance" from "bad token". */
function snippet(text: string): string {
  const clean = text.replace(/\s+/g, ' ').trim().slice(0, 200);
  return clean ? `: ${clean}` : '';
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
