/**
 * Latency timers of the benches: sequential calls after a warm-up, p50/p99 of the samples.
 * `timedBeside` times a query beside its in-run reference call by call, so the ratio of the
 * two compares them under the same moments of the machine's load.
 */

export interface Percentiles {
  p50: number;
  p99: number;
}

export function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

function percentiles(samples: number[]): Percentiles {
  const sorted = [...samples].sort((a, b) => a - b);
  return { p50: percentile(sorted, 50), p99: percentile(sorted, 99) };
}

/** How many calls warm up first: every statement prepared and planned on its connection, the hot pages cached. */
const WARM_UP = 200;

/** p50/p99 of `count` sequential calls, after a warm-up long enough for steady state. */
export async function timed(
  count: number,
  call: (i: number) => Promise<unknown>,
  warmUp = Math.min(WARM_UP, count),
): Promise<Percentiles> {
  for (let i = 0; i < warmUp; i++) await call(i);
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const started = performance.now();
    await call(i);
    samples.push(performance.now() - started);
  }
  return percentiles(samples);
}

async function elapsed(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await call();
  return performance.now() - started;
}

export interface Beside {
  reference: Percentiles;
  subject: Percentiles;
  /** The subject's percentiles by `group` of its input, in the groups' order. */
  byGroup: ({ group: string; calls: number } & Percentiles)[];
}

/**
 * `count` calls of `subject` and `count` of `reference`, alternating one and one (in turns:
 * reference first on even calls, subject first on odd ones, so neither always follows the
 * other). Timed in separate blocks, a burst of a neighbour's load during one block alone would
 * decide the ratio of their tails; side by side, both see the same machine. Each subject call
 * gets `input(i)`; `group` sorts its samples for a breakdown of where the tail comes from.
 */
export async function timedBeside<I>(
  count: number,
  options: {
    input: (i: number) => I;
    reference: () => Promise<unknown>;
    subject: (input: I) => Promise<unknown>;
    group?: (input: I) => string;
  },
): Promise<Beside> {
  const { input, reference, subject, group } = options;
  for (let i = 0; i < Math.min(WARM_UP, count); i++) {
    await reference();
    await subject(input(i));
  }
  const ours: number[] = [];
  const theirs: number[] = [];
  const groups = new Map<string, number[]>();
  for (let i = 0; i < count; i++) {
    const next = input(i);
    let subjectMs: number;
    if (i % 2 === 0) {
      theirs.push(await elapsed(reference));
      subjectMs = await elapsed(() => subject(next));
    } else {
      subjectMs = await elapsed(() => subject(next));
      theirs.push(await elapsed(reference));
    }
    ours.push(subjectMs);
    if (group) {
      const key = group(next);
      const samples = groups.get(key) ?? [];
      samples.push(subjectMs);
      groups.set(key, samples);
    }
  }
  return {
    reference: percentiles(theirs),
    subject: percentiles(ours),
    byGroup: [...groups.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([key, samples]) => ({ group: key, calls: samples.length, ...percentiles(samples) })),
  };
}
