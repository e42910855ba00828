import { describe, expect, it } from 'vitest';
import { defaultDecoderConfig, MULTI_TOKEN_HORIZONS } from '../../../src/model/decoder.ts';
import { packAppended, packHistories, TIME_FEATURES, type EventSequence, type TokenBatch } from '../../../src/model/tokens.ts';
import { buildBatch } from '../../../src/train/batches.ts';

/** A toy sequence of n events, one to a few hours apart, every fourth time unknown. */
function sequence(n: number, salt = 0): { items: Int32Array; outcomes: Uint8Array; times: Float64Array } {
  return {
    items: Int32Array.from({ length: n }, (_, i) => (i * 7 + 3 + salt) % 30),
    outcomes: Uint8Array.from({ length: n }, (_, i) => (i + salt) % 3),
    times: Float64Array.from({ length: n }, (_, i) => (i % 4 === 3 ? Number.NaN : 1_700_000_000 + i * 5400 + salt * 60)),
  };
}

/** The first n events of a sequence. */
function prefix(s: EventSequence, n: number): EventSequence {
  return {
    items: Array.from(s.items).slice(0, n),
    outcomes: Array.from(s.outcomes).slice(0, n),
    times: Array.from(s.times).slice(0, n),
  };
}

/** Row b's slots [from, to) of a batch, as plain arrays. */
function row(t: TokenBatch, b: number, from = 0, to = t.length) {
  const a = b * t.length + from;
  const z = b * t.length + to;
  return {
    items: Array.from(t.items.subarray(a, z)),
    outcomes: Array.from(t.outcomes.subarray(a, z)),
    positions: Array.from(t.positions.subarray(a, z)),
    valid: Array.from(t.valid.subarray(a, z)),
    time: Array.from(t.time.subarray(a * TIME_FEATURES, z * TIME_FEATURES)),
  };
}

describe('token packing (one packer for training, evaluation and the runtime)', () => {
  it('keeps the last maxLen events, positions from 0, the window start has an unknown gap, rows left-padded', () => {
    const { tokens, first, count } = packHistories([sequence(9), sequence(3, 1)], 5, true);
    expect([tokens.batch, tokens.length]).toEqual([2, 5]);
    expect(Array.from(first)).toEqual([4, 0]);
    expect(Array.from(count)).toEqual([5, 3]);
    const long = row(tokens, 0);
    expect(long.items).toEqual(Array.from(sequence(9).items.subarray(4)));
    expect(long.positions).toEqual([0, 1, 2, 3, 4]);
    expect(long.time[4]).toBe(0); // log gap of the window's first event: unknown
    expect(long.time[5]).toBe(1); // ... though its own time is known
    expect(long.time[TIME_FEATURES + 4]).toBeGreaterThan(0); // the next event's gap is known
    const short = row(tokens, 1);
    expect(short.valid).toEqual([0, 0, 1, 1, 1]);
    expect(short.positions).toEqual([0, 0, 0, 1, 2]);
    expect(short.items.slice(0, 2)).toEqual([0, 0]);
    expect(short.time.slice(0, 2 * TIME_FEATURES).every((v) => v === 0)).toBe(true);
  });

  it('appended tokens (the KV-cache path) are exactly the last slots of the packed window', () => {
    const s = sequence(10, 2);
    const whole = packHistories([s], 10, true).tokens;
    for (let cached = 0; cached < 10; cached++) {
      const appended = packAppended(s, cached, true);
      expect(appended.length).toBe(10 - cached);
      expect(row(appended, 0)).toEqual(row(whole, 0, cached));
    }
  });

  it('training batches pack their inputs (all but the last event) as evaluation and the runtime pack that history', () => {
    const config = defaultDecoderConfig({ itemCount: 30, outcomeCount: 3, maxLen: 5, horizons: MULTI_TOKEN_HORIZONS });
    const sequences = [sequence(9), sequence(4, 1), sequence(1, 2)];
    const batch = buildBatch(sequences, config).tokens;
    const inputs = sequences.map((s) => prefix(s, s.items.length - 1));
    const packed = packHistories(inputs, config.maxLen, config.timeFeatures).tokens;
    expect(batch).toEqual(packed);
    // The runtime's single history (no padding) equals the batch row's real slots.
    const alone = packHistories([inputs[0]!], config.maxLen, true).tokens;
    expect(row(alone, 0)).toEqual(row(batch, 0));
  });

  it('without time features every time slot stays zero', () => {
    const { tokens } = packHistories([sequence(5)], 8, false);
    expect(tokens.time.every((v) => v === 0)).toBe(true);
    expect(packAppended(sequence(5), 2, false).time.every((v) => v === 0)).toBe(true);
  });
});
