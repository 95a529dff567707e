import { describe, expect, it } from 'vitest';
import { deadlineOf, timeoutHeader } from './grpc-timeout.js';

describe('grpc-timeout', () => {
  it('reads every unit', () => {
    expect(deadlineOf('2H', 0)).toBe(7_200_000);
    expect(deadlineOf('3M', 0)).toBe(180_000);
    expect(deadlineOf('4S', 10)).toBe(4_010);
    expect(deadlineOf('250m', 0)).toBe(250);
    expect(deadlineOf('1500u', 0)).toBeCloseTo(1.5);
    expect(deadlineOf('2000000n', 0)).toBeCloseTo(2);
  });

  it('means no deadline when absent or malformed', () => {
    for (const value of [undefined, '', '5', 'm', '123456789m', '5x', ['5m']]) expect(deadlineOf(value, 0)).toBe(Infinity);
  });

  it('writes what is left, in whole milliseconds, never 0', () => {
    expect(timeoutHeader(1_250.2, 1_000)).toBe('251m');
    expect(timeoutHeader(1_000, 1_000)).toBe('1m');
  });
});
