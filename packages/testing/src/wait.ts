/** A promise with its `resolve` and `reject` in hand: the test says when the event happened. */
export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(error: unknown): void;
}

export function deferred<T = void>(): Deferred<T> {
  let resolve: (value: T) => void = () => {};
  let reject: (error: unknown) => void = () => {};
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export interface WaitOptions {
  /** What is awaited, for the failure message ("timed out waiting for <label>"). */
  label: string;
  /** 10 s unless told. */
  timeoutMs?: number;
  /** How often `check` runs; 20 ms unless told. */
  intervalMs?: number;
}

/**
 * Polls `check` (sync or async) until it holds; fails with `label` after `timeoutMs`. For a
 * condition with no event to await (a count in another process, a row in the database); where
 * the code under test signals, await a `deferred` instead.
 */
export async function waitFor(
  check: () => boolean | Promise<boolean>,
  { label, timeoutMs = 10_000, intervalMs = 20 }: WaitOptions,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${label} (${timeoutMs} ms)`);
    await sleep(intervalMs);
  }
}

/** Lets time pass on purpose (a throttle window, a deadline). Not for waiting on an event. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
