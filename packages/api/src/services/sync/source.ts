/** Where player records come from: the affiliate's HTTP feed or the built-in simulator. */
export interface UpstreamSource {
  readonly name: string;
  /** Raw records, not yet validated: validation is the pipeline's job. */
  fetchRecords(options?: FetchOptions): Promise<unknown[]>;
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
