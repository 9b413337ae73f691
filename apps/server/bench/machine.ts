/**
 * What the machine was doing during a bench, printed beside its figures: the load average, and
 * the share of CPU time the hypervisor gave to other guests (`steal` in /proc/stat). On a shared
 * virtual machine a run can be slow with a low load average: its CPU was taken from outside.
 * Where /proc is not there, nothing is printed.
 */

import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';

interface Sample {
  load: number;
  /** Jiffies of all CPUs since boot: all states, and steal alone. */
  total: number;
  steal: number;
}

export function sampleMachine(): Sample | null {
  try {
    // "cpu  user nice system idle iowait irq softirq steal guest guest_nice"
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0] ?? '';
    const values = line.trim().split(/\s+/).slice(1, 9).map(Number);
    if (values.length < 8 || values.some((v) => !Number.isFinite(v))) return null;
    return { load: loadavg()[0] ?? 0, total: values.reduce((a, b) => a + b, 0), steal: values[7] ?? 0 };
  } catch {
    return null;
  }
}

/** "load average 1.12 → 1.62, CPU steal 13 %" between two samples, or null. */
export function describeMachine(before: Sample | null, after: Sample | null): string | null {
  if (!before || !after || after.total <= before.total) return null;
  const steal = (100 * (after.steal - before.steal)) / (after.total - before.total);
  return `load average ${before.load.toFixed(2)} → ${after.load.toFixed(2)}, CPU steal ${steal.toFixed(0)} % of the run`;
}
