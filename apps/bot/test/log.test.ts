import { format } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { consoleLogger } from '../src/log';

afterEach(() => vi.restoreAllMocks());

describe("the bot's console logger", () => {
  it('prints a failure with its stack, so it can be traced to the line that threw', () => {
    const printed: string[] = [];
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => printed.push(format(...args)));
    const err = new Error('upstream went away');
    consoleLogger.error({ err }, 'telegram.verify failed:');
    expect(printed).toHaveLength(1);
    expect(printed[0]).toContain('telegram.verify failed:');
    expect(printed[0]).toContain('upstream went away');
    expect(printed[0]).toContain('log.test.ts');
  });

  it('prints a message alone when there is no error', () => {
    const printed: unknown[][] = [];
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => printed.push(args));
    consoleLogger.error({}, 'nothing to add');
    expect(printed).toEqual([['nothing to add']]);
  });

  it('prints only the message and the error: other fields are for structured loggers', () => {
    const printed: unknown[][] = [];
    vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => printed.push(args));
    consoleLogger.info({ updateId: 7 }, 'update 7 delivered again; ignored');
    expect(printed).toEqual([['update 7 delivered again; ignored']]);
  });

  it('never throws, even when the error cannot be printed', () => {
    const printed: unknown[][] = [];
    let calls = 0;
    vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
      calls++;
      // The first print fails as inspecting a hostile value (a proxy, a throwing getter) would.
      if (calls === 1) throw new Error('inspection failed');
      printed.push(args);
    });
    expect(() => consoleLogger.error({ err: new Error('socket hang up') }, 'webhook request failed')).not.toThrow();
    expect(printed).toHaveLength(1);
    expect(printed[0]?.[0]).toBe('webhook request failed');
  });
});
