/** Leave-one-out and future-window splits on hand-made sequences. */
import { describe, expect, it } from 'vitest';
import { futureWindowSplit, leaveOneOutSplit } from '../../../src/data/splits.ts';
import type { UserSequence } from '../../../src/data/types.ts';

function seq(user: number, items: number[]): UserSequence {
  return {
    user,
    items: Int32Array.from(items),
    outcomes: Uint8Array.from(items, (i) => i % 2),
    times: Float64Array.from(items, (_, k) => 1000 + k),
  };
}
const list = (a: ArrayLike<number>) => Array.from(a);

describe('leaveOneOutSplit', () => {
  const sequences = [seq(0, [5, 6, 7, 8]), seq(1, [1, 2]), seq(2, [3, 4, 9])];
  const split = leaveOneOutSplit(sequences);

  it('last = test, second-to-last = validation, rest = train', () => {
    expect(split.test.map((c) => c.user)).toEqual([0, 2]);
    const t0 = split.test[0]!;
    expect(list(t0.history.items)).toEqual([5, 6, 7]);
    expect(list(t0.targets.items)).toEqual([8]);
    expect(list(t0.targets.outcomes)).toEqual([0]);
    const v0 = split.validation[0]!;
    expect(list(v0.history.items)).toEqual([5, 6]);
    expect(list(v0.targets.items)).toEqual([7]);
    expect(list(split.train[0]!.items)).toEqual([5, 6]);
    expect(list(split.train[2]!.items)).toEqual([3]);
    expect(list(split.test[1]!.history.times)).toEqual([1000, 1001]);
  });

  it('users with fewer than 3 events go wholly to train and are not evaluated', () => {
    expect(list(split.train[1]!.items)).toEqual([1, 2]);
    expect(split.validation.some((c) => c.user === 1)).toBe(false);
    expect(split.train.length).toBe(3);
  });

  it('is deterministic', () => {
    const again = leaveOneOutSplit(sequences);
    expect(again.test.map((c) => list(c.targets.items))).toEqual(split.test.map((c) => list(c.targets.items)));
  });
});

describe('futureWindowSplit', () => {
  it('fixed size: last w = test window, w before = validation window', () => {
    const split = futureWindowSplit([seq(0, [1, 2, 3, 4, 5, 6, 7]), seq(1, [1, 2, 3, 4])], { size: 2, minHistory: 2 });
    expect(split.label).toBe('window(size=2,minHistory=2)');
    expect(split.test.map((c) => c.user)).toEqual([0]);
    const t = split.test[0]!;
    expect(list(t.history.items)).toEqual([1, 2, 3, 4, 5]);
    expect(list(t.targets.items)).toEqual([6, 7]);
    expect(list(split.validation[0]!.targets.items)).toEqual([4, 5]);
    expect(list(split.train[0]!.items)).toEqual([1, 2, 3]);
    // user 1: 4 - 2*2 = 0 events before validation < minHistory 2 -> all train
    expect(list(split.train[1]!.items)).toEqual([1, 2, 3, 4]);
  });

  it('fraction: window = round(n * fraction), at least 1', () => {
    const split = futureWindowSplit([seq(0, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]), seq(1, [1, 2, 3, 4])], { fraction: 0.2, minHistory: 1 });
    expect(list(split.test[0]!.targets.items)).toEqual([9, 10]);
    expect(list(split.validation[0]!.targets.items)).toEqual([7, 8]);
    expect(list(split.test[1]!.targets.items)).toEqual([4]); // round(0.8) = 1
  });

  it('window size 1 with minHistory 1 equals leave-one-out', () => {
    const sequences = [seq(0, [5, 6, 7, 8]), seq(1, [1, 2]), seq(2, [3, 4, 9])];
    const a = futureWindowSplit(sequences, { size: 1, minHistory: 1 });
    const b = leaveOneOutSplit(sequences);
    expect(a.test.map((c) => [c.user, list(c.history.items), list(c.targets.items)])).toEqual(
      b.test.map((c) => [c.user, list(c.history.items), list(c.targets.items)]),
    );
  });

  it('rejects nonsense configurations', () => {
    expect(() => futureWindowSplit([], { fraction: 0.7 })).toThrow(/fraction/);
    expect(() => futureWindowSplit([], { size: 0 })).toThrow(/size/);
  });
});
