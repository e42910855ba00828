/**
 * Most-popular baseline: every user gets the same scores, the number of training events per item
 * (repeats count; validation/test targets do not). The floor any learned model must clear.
 */
import type { FitContext, EvalRecommender, UserHistory } from '../evaluate.ts';

export class PopularRecommender implements EvalRecommender {
  readonly name = 'popular';
  private counts = new Float32Array(0);

  fit(context: FitContext): void {
    const counts = new Float32Array(context.dataset.catalog.ids.length);
    for (const seq of context.train) for (let e = 0; e < seq.items.length; e++) counts[seq.items[e]!]!++;
    this.counts = counts;
  }

  async scoreBatch(histories: UserHistory[], out: Float32Array): Promise<void> {
    const n = this.counts.length;
    if (n === 0) throw new Error('popular: fit() must run before scoreBatch()');
    for (let b = 0; b < histories.length; b++) out.set(this.counts, b * n);
  }
}
