/**
 * A small seeded random number generator (mulberry32) and 32-bit hashing helpers.
 *
 * Everything in src/sid that draws random numbers (k-means++ seeding, random projections, power
 * iterations) takes a seed and uses this, so semantic IDs are reproducible bit for bit across runs
 * and machines: Math.random is never used.
 */

/** mulberry32's state increment: each draw adds it to the 32-bit state. */
export const MULBERRY32_INCREMENT = 0x6d2b79f5;

/** mulberry32's output function: the uniform in [0, 1) drawn from an (already advanced) state. */
export function mulberry32Output(state: number): number {
  let t = state >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

/** A deterministic stream of uniform numbers in [0, 1); same seed -> same stream. */
export class SeededRng {
  private state: number;
  private spareNormal: number | null = null;

  constructor(seed: number) {
    // Mix the seed once so that nearby seeds (0, 1, 2) give unrelated streams.
    this.state = hash32(seed >>> 0, 0x9e3779b9) >>> 0;
  }

  /** Uniform float in [0, 1). */
  next(): number {
    this.state = (this.state + MULBERRY32_INCREMENT) >>> 0;
    return mulberry32Output(this.state);
  }

  /** Uniform integer in [0, n). */
  nextInt(n: number): number {
    return Math.floor(this.next() * n);
  }

  /** Standard normal draw (Box-Muller, caching the second value). */
  normal(): number {
    if (this.spareNormal !== null) {
      const value = this.spareNormal;
      this.spareNormal = null;
      return value;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const radius = Math.sqrt(-2 * Math.log(u));
    this.spareNormal = radius * Math.sin(2 * Math.PI * v);
    return radius * Math.cos(2 * Math.PI * v);
  }
}

/** murmur3's 32-bit finaliser: a cheap, well-mixed bijection on uint32. */
export function fmix32(x: number): number {
  let h = x >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Hashes one 32-bit value into a running 32-bit hash state (order-sensitive). */
export function hash32(state: number, value: number): number {
  return fmix32((Math.imul(state ^ 0x27d4eb2f, 0x165667b1) + fmix32(value >>> 0)) >>> 0);
}

/** FNV-1a over the UTF-16 code units of a string, then finalised: a stable id for a token. */
export function hashString(text: string, seed = 0): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return fmix32(h);
}
