import { fc, test as property } from '@fast-check/vitest';
import { describe, expect, test } from 'vitest';
import { charCorpus } from './char_corpus.js';
import { DEFAULT_CORPUS_LENGTH, defaultCorpus } from './default_corpus.js';
import { DatasetError } from './errors.js';

describe('defaultCorpus', () => {
  test('pins the opening for seed 0 (determinism across runs)', () => {
    expect(defaultCorpus({ seed: 0, length: 80 })).toBe(
      'In the morning, the horse sang along this strange child. The cold strange dog pa',
    );
  });

  test('produces at least 100 kB of English-like ASCII text by default', () => {
    const text = defaultCorpus({ seed: 0 });
    expect(text).toHaveLength(DEFAULT_CORPUS_LENGTH);
    expect(new TextEncoder().encode(text).length).toBeGreaterThanOrEqual(100_000);
    expect(/^[\x20-\x7e\n]*$/.test(text)).toBe(true);
    expect(text).toContain('. ');
    expect(text).toContain('\n\n');
    expect(text).toMatch(/"[A-Z][^"]*[,?]" (said|asked|whispered|replied|shouted) /);
    const corpus = charCorpus(text);
    expect(corpus.vocabSize).toBeGreaterThan(30);
    expect(corpus.vocabSize).toBeLessThan(80);
  });

  property.prop([
    fc.integer(),
    fc.integer({ min: 1, max: 5000 }),
    fc.integer({ min: 1, max: 5000 }),
  ])('same seed, same text; a longer text extends a shorter one', (seed, m, n) => {
    const a = defaultCorpus({ seed, length: m });
    const b = defaultCorpus({ seed, length: n });
    expect(a).toHaveLength(m);
    expect(defaultCorpus({ seed, length: m })).toBe(a);
    const k = Math.min(m, n);
    expect(a.slice(0, k)).toBe(b.slice(0, k));
  });

  test('different seeds give different texts', () => {
    expect(defaultCorpus({ seed: 1, length: 500 })).not.toBe(
      defaultCorpus({ seed: 2, length: 500 }),
    );
  });

  test('rejects bad options', () => {
    expect(() => defaultCorpus({ seed: 0, length: 0 })).toThrow(DatasetError);
    expect(() => defaultCorpus({ seed: 0, length: 0 })).toThrow(
      /defaultCorpus: length must be an integer from 1 to 268435456; got 0\./,
    );
    expect(() => defaultCorpus({} as never)).toThrow(
      /defaultCorpus: seed must be a safe integer \(it is required\); got undefined/,
    );
  });
});
