/**
 * `pnpm bench`: runs every `*.bench.ts` beside this file (or those whose name contains the
 * first argument) and prints each one's figures beside its in-run reference, as ratios.
 * Benchmarks send traffic to 127.0.0.1 only and stop by themselves.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describeMachine, sampleMachine } from './machine';

export interface BenchRow {
  /** What was measured, e.g. "leaderboard.top (cached), req/s". */
  metric: string;
  ours: number;
  /** The in-run reference (raw ws, a bare route…), when the metric has one. */
  reference?: number;
  unit: string;
  /** Optional target, e.g. ">= 0.7x" — printed, not enforced (benchmarks are not tests). */
  target?: string;
}

export type Bench = () => Promise<BenchRow[]>;

const dir = fileURLToPath(new URL('.', import.meta.url));
const filter = process.argv[2];
const files = readdirSync(dir)
  .filter((f) => f.endsWith('.bench.ts') && (!filter || f.includes(filter)))
  .sort();

if (files.length === 0) {
  console.log(filter ? `No benchmark matches "${filter}".` : 'No benchmarks yet.');
}

const fmt = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(0) : n.toFixed(2));

for (const file of files) {
  const mod: { default: Bench } = await import(`./${file}`);
  console.log(`\n## ${file.replace('.bench.ts', '')}`);
  const started = performance.now();
  const machineBefore = sampleMachine();
  const rows = await mod.default();
  const machine = describeMachine(machineBefore, sampleMachine());
  for (const row of rows) {
    const ratio = row.reference
      ? ` | reference ${fmt(row.reference)} ${row.unit} | ratio ${(row.ours / row.reference).toFixed(2)}x`
      : '';
    const target = row.target ? ` | target ${row.target}` : '';
    console.log(`- ${row.metric}: ${fmt(row.ours)} ${row.unit}${ratio}${target}`);
  }
  console.log(`(${((performance.now() - started) / 1000).toFixed(1)} s${machine ? `; ${machine}` : ''})`);
}

// Every figure is printed: a bench is one run, so a handle some library keeps open (an idle
// keep-alive socket of fetch's pool, a database's worker) must not hold the command open.
process.exit(process.exitCode ?? 0);
