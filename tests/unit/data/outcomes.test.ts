/** The rating -> outcome rule and content-token helpers. */
import { describe, expect, it } from 'vitest';
import { compileRatingRule, formatRatingRule, MOVIELENS_RATING_RULE, parseRatingRule } from '../../../src/data/outcomes.ts';
import { titleWordTokens, yearFromTitle } from '../../../src/data/features.ts';
import { splitCsvLine } from '../../../src/data/io.ts';

describe('rating rule', () => {
  it('default MovieLens: >=4 love, 3..3.5 watch, <=2.5 dislike', () => {
    const rule = compileRatingRule(MOVIELENS_RATING_RULE);
    expect(rule.outcomes).toEqual(['dislike', 'watch', 'love']);
    const names = [0.5, 1, 2, 2.5, 3, 3.5, 4, 4.5, 5].map((r) => rule.outcomes[rule.outcomeOf(r)]);
    expect(names).toEqual(['dislike', 'dislike', 'dislike', 'dislike', 'watch', 'watch', 'love', 'love', 'love']);
  });

  it('parses and formats name:min bands', () => {
    const rule = parseRatingRule('like:3.5, dislike:0');
    expect(formatRatingRule(rule)).toBe('like:3.5,dislike:0');
    expect(formatRatingRule(MOVIELENS_RATING_RULE)).toBe('love:4,watch:3,dislike:0');
    const compiled = compileRatingRule(rule);
    expect(compiled.outcomes[compiled.outcomeOf(3)]).toBe('dislike');
    expect(compiled.outcomes[compiled.outcomeOf(3.5)]).toBe('like');
    expect(() => parseRatingRule('love>=4')).toThrow(/not name:minRating/);
    expect(() => parseRatingRule('a:1,a:2')).toThrow(/twice/);
  });
});

describe('content helpers', () => {
  it('title words drop stop words, punctuation and the year', () => {
    expect(titleWordTokens('Star Wars: Episode IV - A New Hope (1977)')).toEqual(['word:star', 'word:wars', 'word:episode', 'word:iv', 'word:new', 'word:hope']);
    expect(yearFromTitle('Heat (1995)')).toBe(1995);
    expect(yearFromTitle('Babylon 5')).toBeNaN();
  });

  it('CSV lines with quotes and escaped quotes', () => {
    expect(splitCsvLine('11,"American President, The (1995)",Comedy|Drama', 'f', 1)).toEqual(['11', 'American President, The (1995)', 'Comedy|Drama']);
    expect(splitCsvLine('1,"say ""hi""",', 'f', 1)).toEqual(['1', 'say "hi"', '']);
    expect(() => splitCsvLine('1,"open', 'movies.csv', 7)).toThrow('movies.csv:7: unterminated quoted field');
  });
});
