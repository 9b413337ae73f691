import { format } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { consoleLogger } from '../src/log';

afterEach(() => vi.restoreAllMocks());

describe("the bot's console logger", () => {
  it('prints a failure with its stack, so it can be traced to the line that threw', () => {
    const printed: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => printed.push(format(...args)));
    const err = new Error('upstream went away');
    consoleLogger.error('telegram.verify failed:', err);
    expect(printed).toHaveLength(1);
    expect(printed[0]).toContain('telegram.verify failed:');
    expect(printed[0]).toContain('upstream went away');
    expect(printed[0]).toContain('log.test.ts');
  });

  it('prints a message alone when there is no error', () => {
    const printed: unknown[][] = [];
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => printed.push(args));
    consoleLogger.error('nothing to add');
    expect(printed).toEqual([['nothing to add']]);
  });
});
