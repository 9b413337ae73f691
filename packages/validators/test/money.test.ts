import { describe, expect, it } from 'vitest';
import { centsToDecimal, toCents, toDecimal } from '../src/money';

describe('exact decimals', () => {
  it('keeps two places without float drift', () => {
    expect(toDecimal(0.1 + 0.2)).toBe('0.30');
    expect(toDecimal('123456789012345.67')).toBe('123456789012345.67');
    expect(toDecimal(7)).toBe('7.00');
  });

  it('rounds half up on the third place', () => {
    expect(toDecimal('1.005')).toBe('1.01');
    expect(toDecimal('1.004')).toBe('1.00');
    expect(toDecimal('0.999')).toBe('1.00');
  });

  it('refuses negatives and non-numbers', () => {
    expect(() => toCents(-1)).toThrow(RangeError);
    expect(() => toCents('1e5')).toThrow(RangeError);
    expect(() => toCents(Number.NaN)).toThrow(RangeError);
  });

  it('formats cents back to a decimal string', () => {
    expect(centsToDecimal(5n)).toBe('0.05');
    expect(centsToDecimal(-1234n)).toBe('-12.34');
  });
});

describe('the fast path agrees with exact cents arithmetic', () => {
  it('on strings and numbers that need no rounding', () => {
    for (const v of ['0', '00012.5', '7.05', ' 42 ', '123456789012345678.99', 0, 12.34, 0.07, 1e15, 99.9]) {
      expect(toDecimal(v)).toBe(centsToDecimal(toCents(v)));
    }
  });

  it('on values that do need rounding', () => {
    for (const v of ['1.005', '2.675', '0.125', '9.999', 1.005, 2.675, 0.125, 1234.5678]) {
      expect(toDecimal(v)).toBe(centsToDecimal(toCents(v)));
    }
  });
});
