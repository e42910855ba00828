import { describe, expect, it } from 'vitest';
import { demoUtility, predictionText } from '../../../src/demo/prediction.ts';

describe('demo prediction words', () => {
  it('says the outcome shares, most likely first, in percent', () => {
    expect(predictionText({ dislike: 0.05, watch: 0.13, love: 0.82 })).toBe('Predicted: 82% love, 13% watch, 5% not for me');
    expect(predictionText({ buy: 0.6, pv: 0.4 })).toBe('Predicted: 60% buy, 40% pv');
  });
  it('weighs only the outcomes the model knows', () => {
    expect(demoUtility(['dislike', 'watch', 'love'])).toEqual({ dislike: -1, watch: 0.3, love: 1 });
    expect(demoUtility(['pv', 'buy'])).toEqual({});
  });
});
