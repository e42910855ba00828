/** The demo's words: display titles, "Why this?" sentences, load errors, the engine status. */
import { describe, expect, it } from 'vitest';
import { ModelFormatError, NetworkError, QuotaExceededError } from '../../../src/errors/errors.ts';
import { latestPerItem } from '../../../src/demo/connect.ts';
import { becauseSentence } from '../../../src/demo/explain.ts';
import { describeLoadError } from '../../../src/demo/load-error.ts';
import { engineSentence } from '../../../src/demo/status-text.ts';
import { displayTitle } from '../../../src/demo/titles.ts';
import type { DemoStatus } from '../../../src/demo/engine-port.ts';

describe('displayTitle', () => {
  it('writes MovieLens titles as people do, without the year', () => {
    expect(displayTitle('Matrix, The (1999)')).toBe('The Matrix');
    expect(displayTitle('Toy Story (1995)')).toBe('Toy Story');
    expect(displayTitle('Lion King, The (1994)')).toBe('The Lion King');
    expect(displayTitle('City of Lost Children, The (Cité des enfants perdus, La) (1995)')).toBe(
      'The City of Lost Children (La Cité des enfants perdus)',
    );
    expect(displayTitle('Alien³ (a.k.a. Alien 3) (1992)')).toBe('Alien³ (Alien 3)');
    expect(displayTitle("Amelie (Fabuleux destin d'Amélie Poulain, Le) (2001)")).toBe(
      "Amelie (Le Fabuleux destin d'Amélie Poulain)",
    );
    expect(displayTitle('Twelve Monkeys (a.k.a. 12 Monkeys) (1995)')).toBe('Twelve Monkeys (12 Monkeys)');
    expect(displayTitle('Star Wars: Episode V - The Empire Strikes Back (1980)')).toBe(
      'Star Wars: Episode V - The Empire Strikes Back',
    );
    expect(displayTitle('Stranger Things')).toBe('Stranger Things'); // no year
    expect(displayTitle('Babe, Pig in the City (1998)')).toBe('Babe, Pig in the City'); // "Pig in the City" is no article
  });
});

describe('becauseSentence', () => {
  it('names loved and watched films, never disliked ones', () => {
    expect(
      becauseSentence(
        [
          { title: 'Alien', outcome: 'love' },
          { title: 'Blade Runner', outcome: 'love' },
        ],
        'love',
      ),
    ).toBe('Because you loved Alien and Blade Runner.');
    expect(
      becauseSentence(
        [
          { title: 'Alien', outcome: 'love' },
          { title: 'Heat', outcome: 'watch' },
        ],
        'watch',
      ),
    ).toBe('Because you loved Alien and watched Heat.');
    expect(
      becauseSentence(
        [
          { title: 'Heat', outcome: 'dislike' },
          { title: 'Alien', outcome: 'watch' },
        ],
        'love',
      ),
    ).toBe('Because you watched Alien.');
    expect(becauseSentence([{ title: 'Heat', outcome: 'dislike' }], 'love')).toBe(
      'Picked as something you may love, from the pattern of all your ratings.',
    );
  });
});

describe('describeLoadError', () => {
  it('tells an HTML or non-JSON answer (details.reason) apart as not-a-model', () => {
    const error = new ModelFormatError('http://x/m.json answered an HTML page, not a pocketrec model manifest: check the URL.', {
      url: 'http://x/m.json',
      reason: 'html',
    });
    const described = describeLoadError(error, 'http://x/m.json');
    expect(described.kind).toBe('not-a-model');
    expect(described.title).toBe('That URL is not a pocketrec model');
    expect(described.detail).toContain('MODEL_FORMAT');
    expect(describeLoadError(new ModelFormatError('x', { reason: 'not-json' }), 'u').kind).toBe('not-a-model');
    // The message alone decides nothing; another format problem is not "not a model".
    expect(describeLoadError(new ModelFormatError('u is not valid JSON, an HTML page', { reason: 'invalid' }), 'u').kind).toBe(
      'other',
    );
    // Another format problem is not "not a model".
    expect(describeLoadError(new ModelFormatError('manifest format is "x"'), 'u').kind).toBe('other');
    expect(describeLoadError(new NetworkError('HTTP 500'), 'u').kind).toBe('network');
    expect(describeLoadError(new QuotaExceededError('full'), 'u').kind).toBe('storage');
    expect(describeLoadError(new Error('boom'), 'u').kind).toBe('other');
  });
});

describe('engineSentence', () => {
  const base: DemoStatus = {
    backend: 'wasm',
    requestedBackend: 'auto',
    softwareAdapter: true,
    fallback: { code: 'BACKEND_UNAVAILABLE', reason: 'webgpu: software adapter' },
    modelSource: 'network',
    modelVersion: 'v',
    itemCount: 1,
  };
  it('says where the model runs in plain words', () => {
    expect(engineSentence(base)).toBe('Running on your CPU (WebGPU here is emulated and slower)');
    expect(engineSentence({ ...base, softwareAdapter: false })).toBe('Running on your CPU (this browser offers no WebGPU)');
    expect(engineSentence({ ...base, requestedBackend: 'wasm', fallback: undefined })).toBe(
      'Running on your CPU, as chosen in Settings',
    );
    expect(engineSentence({ ...base, backend: 'webgpu', softwareAdapter: false, fallback: undefined })).toBe(
      'Running on your graphics card (WebGPU)',
    );
    expect(engineSentence({ ...base, requestedBackend: 'webgpu', softwareAdapter: false })).toContain('could not start here');
  });
});

describe('latestPerItem', () => {
  it('keeps the latest event per film, in order', () => {
    const events = [
      { itemId: 'a', outcome: 'watch' },
      { itemId: 'b', outcome: 'love' },
      { itemId: 'a', outcome: 'love' },
    ];
    expect(latestPerItem(events)).toEqual([
      { itemId: 'b', outcome: 'love' },
      { itemId: 'a', outcome: 'love' },
    ]);
  });
});
