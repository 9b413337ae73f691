/** Where player records come from: the affiliate's HTTP feed or the built-in simulator. */
export interface UpstreamSource {
  readonly name: string;
  /** Raw records, not yet validated: validation is the pipeline's job. */
  fetchRecords(options?: FetchOptions): Promise<unknown[]>;
  /**
   * The same records, fetched whole but parsed only as they are read (`FeedRecords`), so the
   * pipeline can write the first ones while the rest are still text. Optional: a source without
   * it is read with `fetchRecords`.
   */
  fetchFeed?(options?: FetchOptions): Promise<FeedRecords>;
}

/** A fetched feed's raw records, parsed as they are read. */
export interface FeedRecords {
  /** How many there are, known before any is parsed. */
  readonly count: number;
  /**
   * The records in feed order, a batch at a time. Throws `FeedMisread` when the text turns out
   * not to be what the fetch's scan made of it (the records are then to be read with `all`), or
   * the `UpstreamError` of a malformed body.
   */
  batches(): AsyncGenerator<unknown[]>;
  /** All the records at once, exactly as `JSON.parse` reads each page. */
  all(): Promise<unknown[]>;
}

/** A feed's text that a batch showed to be other than the scan said: read it whole instead. */
export class FeedMisread extends Error {
  override readonly name = 'FeedMisread';
}

export interface FetchOptions {
  signal?: AbortSignal;
  /** Told about each failed attempt that will be retried, so the pipeline can log it. */
  onRetry?: (failure: RetriedFailure) => void;
}

export interface RetriedFailure {
  /** 1 for the first attempt. */
  attempt: number;
  maxAttempts: number;
  /** 1 for the first page. */
  page: number;
  error: UpstreamError;
  delayMs: number;
}

/**
 * Why a fetch failed. `http` carries the status; `timeout` and `network` are transport
 * failures; `malformed` is a body that is not JSON; `schema` is JSON of the wrong shape;
 * `too_large` a body past the size cap (`AFFILIATE_MAX_BYTES`).
 */
export type UpstreamErrorKind = 'http' | 'timeout' | 'network' | 'malformed' | 'schema' | 'too_large';

export class UpstreamError extends Error {
  override readonly name = 'UpstreamError';
  constructor(
    readonly kind: UpstreamErrorKind,
    message: string,
    /** Worth another attempt: 5xx, 408, 429, timeouts, dropped connections. Never 4xx or bad bodies. */
    readonly retryable: boolean,
    readonly detail: { status?: number; retryAfterMs?: number } = {},
  ) {
    super(message);
  }
}

/** Records already parsed, as `FeedRecords`. */
export function feedOf(records: unknown[]): FeedRecords {
  return {
    count: records.length,
    async *batches() {
      if (records.length > 0) yield records;
    },
    all: async () => records,
  };
}

/** Pages' records one after the other. */
export function concatFeeds(pages: readonly FeedRecords[]): FeedRecords {
  const [only] = pages;
  if (pages.length === 1 && only) return only;
  return {
    count: pages.reduce((sum, page) => sum + page.count, 0),
    async *batches() {
      for (const page of pages) yield* page.batches();
    },
    async all() {
      const records: unknown[] = [];
      for (const page of pages) for (const record of await page.all()) records.push(record);
      return records;
    },
  };
}
