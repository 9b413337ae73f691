/** Reads an async iterable in the background; `next(n)` waits until n items have arrived. */
export function consume<T>(iterable: AsyncIterable<T>) {
  const items: T[] = [];
  let wake: () => void = () => {};
  let failure: unknown;
  const done = (async () => {
    try {
      for await (const item of iterable) {
        items.push(item);
        wake();
      }
    } catch (error) {
      failure = error;
      wake();
    }
  })();
  return {
    items,
    done,
    get error() {
      return failure;
    },
    async next(count: number, timeoutMs = 10_000): Promise<T> {
      const started = Date.now();
      while (items.length < count && failure === undefined) {
        if (Date.now() - started > timeoutMs) throw new Error(`timed out waiting for item ${count}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, 50);
        });
      }
      if (failure !== undefined) throw failure;
      const item = items[count - 1];
      if (item === undefined) throw new Error(`item ${count} missing`);
      return item;
    },
  };
}
