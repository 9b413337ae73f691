/**
 * `JSON.parse` for a large feed page without holding the event loop for the whole page. A
 * 100,000-record page is ~17 MB, and one `JSON.parse` of it blocks the server for 100–200 ms
 * (no WebSocket ping, request or push gets through meanwhile). Here the records array — the
 * root array, or the root object's `data` — is found by a scan that only tracks nesting and
 * strings, and its elements are parsed by the native `JSON.parse` a slice at a time, yielding
 * between slices. Anything the scan does not understand falls back to one `JSON.parse` of the
 * whole text, so the result, and the error for malformed JSON, are exactly `JSON.parse`'s.
 */

import { setImmediate as nextTurn } from 'node:timers/promises';

/** Below this, one `JSON.parse` is a few milliseconds: not worth slicing. */
const SLICE_ABOVE_CHARS = 1 << 20;
/** Characters scanned, or array elements parsed, between two turns of the event loop. */
const SCAN_CHARS_PER_TURN = 1 << 20;
const ELEMENTS_PER_TURN = 2000;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;
const COLON = 0x3a;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

interface RecordsArray {
  /** Index of its `[` and its `]`. */
  open: number;
  close: number;
  /** Indexes of the commas between its elements. */
  commas: number[];
}

/** Where the records array is, or null when the text is not shaped as expected. */
async function locateRecords(text: string): Promise<RecordsArray | null> {
  let depth = 0;
  /** The last string closed directly inside the root object: a key, when a colon follows. */
  let lastRootString = '';
  let key = '';
  let target: RecordsArray | null = null;
  /** Depth of the records array's own elements' container: 1 for a root array, 2 for `data`. */
  let targetDepth = 0;
  let rootIsObject = false;
  /** `JSON.parse` keeps the last of repeated keys; such a text is left to it. */
  let dataKeys = 0;
  let nextYield = SCAN_CHARS_PER_TURN;
  for (let i = 0; i < text.length; i++) {
    if (i >= nextYield) {
      nextYield = i + SCAN_CHARS_PER_TURN;
      await nextTurn();
    }
    const c = text.charCodeAt(i);
    switch (c) {
      case QUOTE: {
        // Jump to the closing quote: one that is not escaped (an even run of backslashes).
        const start = i;
        let end = text.indexOf('"', i + 1);
        while (end !== -1) {
          let backslashes = 0;
          while (text.charCodeAt(end - 1 - backslashes) === BACKSLASH) backslashes++;
          if (backslashes % 2 === 0) break;
          end = text.indexOf('"', end + 1);
        }
        if (end === -1) return null;
        if (depth === 1 && rootIsObject) lastRootString = text.slice(start + 1, end);
        i = end;
        break;
      }
      case COLON:
        if (depth === 1 && rootIsObject) {
          key = lastRootString;
          if (key === 'data') dataKeys++;
        }
        break;
      case OPEN_OBJECT:
      case OPEN_ARRAY:
        depth++;
        if (depth === 1) {
          rootIsObject = c === OPEN_OBJECT;
          if (!rootIsObject) {
            target = { open: i, close: -1, commas: [] };
            targetDepth = 1;
          }
        } else if (depth === 2 && rootIsObject && c === OPEN_ARRAY && key === 'data' && !target) {
          target = { open: i, close: -1, commas: [] };
          targetDepth = 2;
        }
        break;
      case CLOSE_OBJECT:
      case CLOSE_ARRAY:
        if (target && target.close < 0 && depth === targetDepth && c === CLOSE_ARRAY) target.close = i;
        depth--;
        if (depth === 1) key = '';
        if (depth < 0) return null;
        break;
      case COMMA:
        if (target && target.close < 0 && depth === targetDepth) target.commas.push(i);
        else if (depth === 1) key = '';
        break;
    }
  }
  if (depth !== 0 || !target || target.close < 0 || dataKeys > 1) return null;
  return target;
}

/**
 * A big page's records, found by the scan and parsed a slice at a time when asked, so that a
 * caller can put the first records to work while the rest are still text.
 */
export interface SlicedRecords {
  /** The page with its records array emptied: `null` for a root array, else the object around `data`. */
  envelope: Record<string, unknown> | null;
  /** How many records the array holds. */
  count: number;
  /**
   * The records in order, a slice at a time, yielding to the event loop between slices. Throws
   * `SliceMisread` if a slice is not what the scan made of it: the text is then for `JSON.parse`
   * (its exact error, or the right result).
   */
  slices(): AsyncGenerator<unknown[]>;
}

/** A slice that did not parse as the scan said it would (malformed JSON, usually). */
export class SliceMisread extends Error {
  override readonly name = 'SliceMisread';
}

/**
 * The records of `text` as `SlicedRecords`, or null when the text is small (one `JSON.parse` is
 * a few milliseconds) or not shaped as the scan expects: a root array, or an object whose
 * `data` is the array, with nothing around it that `JSON.parse` would refuse.
 */
export async function sliceRecords(text: string): Promise<SlicedRecords | null> {
  if (text.length <= SLICE_ABOVE_CHARS) return null;
  const records = await locateRecords(text);
  if (!records) return null;
  let envelope: Record<string, unknown> | null = null;
  if (records.open === 0 || text.slice(0, records.open).trim() === '') {
    // The root array: nothing may follow it but whitespace (JSON.parse decides otherwise).
    if (text.slice(records.close + 1).trim() !== '') return null;
  } else {
    try {
      const around: unknown = JSON.parse(`${text.slice(0, records.open)}[]${text.slice(records.close + 1)}`);
      if (!around || typeof around !== 'object' || Array.isArray(around) || !('data' in around)) return null;
      envelope = { ...around };
    } catch {
      return null;
    }
  }
  const bounds = [records.open, ...records.commas, records.close];
  const empty = text.slice(records.open + 1, records.close).trim() === '';
  return {
    envelope,
    count: empty ? 0 : bounds.length - 1,
    async *slices() {
      for (let first = 0; !empty && first < bounds.length - 1; first += ELEMENTS_PER_TURN) {
        if (first > 0) await nextTurn();
        const last = Math.min(first + ELEMENTS_PER_TURN, bounds.length - 1);
        let slice: unknown;
        try {
          slice = JSON.parse(`[${text.slice((bounds[first] ?? 0) + 1, bounds[last])}]`);
        } catch {
          throw new SliceMisread(`records ${first}-${last - 1} did not parse`);
        }
        if (!Array.isArray(slice) || slice.length !== last - first) {
          throw new SliceMisread(`records ${first}-${last - 1} were not ${last - first} values`);
        }
        yield slice;
      }
    },
  };
}

/** `JSON.parse(text)`, for big texts in slices between turns of the event loop. */
export async function parseJsonYielding(text: string): Promise<unknown> {
  const sliced = await sliceRecords(text);
  if (!sliced) return JSON.parse(text);
  const elements: unknown[] = [];
  try {
    for await (const slice of sliced.slices()) for (const element of slice) elements.push(element);
  } catch {
    // The exact error (or, should the scan have misread the text, the right result).
    return JSON.parse(text);
  }
  return sliced.envelope ? { ...sliced.envelope, data: elements } : elements;
}
