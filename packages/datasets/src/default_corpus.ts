// SPDX-License-Identifier: MIT
/**
 * A built-in text corpus produced by a small seeded grammar, so the character-level examples run
 * with no download and nothing third-party is committed. It is English-like at the level a char
 * model sees: real words, capitalised sentences, punctuation, quotes, paragraphs.
 */
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { type Rng, splitmix32 } from './prng.js';
import { integerIn, orThrow, seedOf, type Validation } from './validate.js';

const FN = 'defaultCorpus';

/** Default length: 128 KiB, at least 100 kB however a kilobyte is counted. */
export const DEFAULT_CORPUS_LENGTH = 131_072;

/** Options of `defaultCorpus`. */
export interface DefaultCorpusOptions {
  /** Any safe integer. Required. */
  readonly seed: number;
  /** Characters to produce (131 072 = 128 KiB), 1..2^28. The text is ASCII: bytes = characters. */
  readonly length?: number;
}

// Word lists are space-separated strings so they stay compact under the formatter.
const words = (s: string): readonly string[] => s.trim().split(/\s+/);
/** Verbs as "base:past" pairs. */
const verbs = (s: string): readonly (readonly [string, string])[] =>
  words(s).map((w) => {
    const [base, past] = w.split(':');
    return [base, past] as const;
  });

const NAMES = words('Ada Alan Grace Emmy Kurt Rosa Niels Marie Ivan Leo Mira Tom');
const DETERMINERS = words('the the the a a every some that this one');
const ADJECTIVES = words(`
  old young quiet bright small large red green cold warm strange careful happy tired clever heavy
  empty distant gentle wooden`);
const NOUNS = words(`
  river garden teacher child window letter city bridge forest dog cat ship mountain farmer house
  road book table lamp station bird stone market clock door friend sailor village field storm song
  king painter island machine horse tree lake kitchen doctor`);
const TRANSITIVE = verbs(`
  see:saw find:found carry:carried watch:watched follow:followed open:opened paint:painted
  build:built hear:heard remember:remembered leave:left visit:visited lose:lost bring:brought
  love:loved read:read pull:pulled call:called help:helped keep:kept take:took give:gave`);
const INTRANSITIVE = verbs(`
  sleep:slept wait:waited laugh:laughed run:ran sing:sang fall:fell arrive:arrived rest:rested
  listen:listened wander:wandered return:returned shine:shone speak:spoke`);
const ADVERBS = words(
  'slowly quickly quietly again softly suddenly carefully often later happily alone together',
);
const PREPOSITIONS = words(
  'near under behind across beside inside over through along toward past beyond',
);
const TIMES = [
  'in the morning',
  'at night',
  'after the rain',
  'before dawn',
  'in winter',
  'every day',
  'long ago',
  'on Sunday',
];
const SPEECH = words('said asked whispered replied shouted');

/** Checks `defaultCorpus`'s options and fills in the default length. */
export function validateDefaultCorpusOptions(
  options: Partial<DefaultCorpusOptions> | undefined,
): Validation<Required<DefaultCorpusOptions>> {
  const o = options ?? {};
  return pipe(
    E.Do,
    E.apS('seed', seedOf(FN, o.seed)),
    E.apS('length', integerIn(FN, 'length', o.length ?? DEFAULT_CORPUS_LENGTH, 1, 2 ** 28)),
  );
}

/** The grammar, written as plain functions over one rng: each rule is a function of its name. */
function grammar(rng: Rng) {
  const pick = <T>(xs: readonly T[]): T => xs[rng.nextInt(xs.length)];
  const chance = (p: number): boolean => rng.nextFloat() < p;

  const nounPhrase = (): string => {
    if (chance(0.15)) return pick(NAMES);
    const adjectives = chance(0.5) ? (chance(0.2) ? 2 : 1) : 0;
    const words = [pick(DETERMINERS)];
    for (let i = 0; i < adjectives; i++) words.push(pick(ADJECTIVES));
    words.push(pick(NOUNS));
    // "a" before a vowel sound is the one spelling rule a char model would notice missing.
    if (words[0] === 'a' && /^[aeiou]/.test(words[1])) words[0] = 'an';
    return words.join(' ');
  };
  const prepPhrase = (): string => `${pick(PREPOSITIONS)} ${nounPhrase()}`;
  const verbPhrase = (): string => {
    if (chance(0.4)) {
      const parts = [pick(INTRANSITIVE)[1]];
      if (chance(0.4)) parts.push(pick(ADVERBS));
      if (chance(0.4)) parts.push(prepPhrase());
      return parts.join(' ');
    }
    const parts = [pick(TRANSITIVE)[1], nounPhrase()];
    if (chance(0.35)) parts.push(prepPhrase());
    if (chance(0.2)) parts.push(pick(TIMES));
    return parts.join(' ');
  };
  const clause = (): string => `${nounPhrase()} ${verbPhrase()}`;
  const capitalise = (s: string): string => s[0].toUpperCase() + s.slice(1);

  const sentence = (): string => {
    const kind = rng.nextInt(10);
    switch (kind) {
      case 0:
      case 1:
      case 2:
        return `${capitalise(clause())}.`;
      case 3:
        return `${capitalise(clause())}, and ${clause()}.`;
      case 4:
        return `${capitalise(clause())}, but ${clause()}.`;
      case 5:
        return `When ${clause()}, ${clause()}.`;
      case 6:
        return `${capitalise(pick(TIMES))}, ${clause()}.`;
      case 7:
        return `Did ${nounPhrase()} ${pick(TRANSITIVE)[0]} ${nounPhrase()}?`;
      case 8: {
        const quote = chance(0.5)
          ? `${capitalise(clause())}`
          : `Where did ${nounPhrase()} ${pick(INTRANSITIVE)[0]}?`;
        const mark = quote.endsWith('?') ? '' : ',';
        return `"${quote}${mark}" ${pick(SPEECH)} ${nounPhrase()}.`;
      }
      default:
        return `${capitalise(nounPhrase())} was ${pick(ADJECTIVES)} ${pick(TIMES)}.`;
    }
  };
  const paragraph = (): string => {
    const count = 3 + rng.nextInt(5);
    const sentences: string[] = [];
    for (let i = 0; i < count; i++) sentences.push(sentence());
    return sentences.join(' ');
  };
  return { paragraph };
}

/**
 * English-like ASCII text of exactly `length` characters from a seeded grammar: paragraphs of
 * 3–7 sentences separated by blank lines. Text for a longer `length` extends the shorter one
 * (the prefix is the same), since generation does not depend on the length until the final cut.
 * @example charCorpus(defaultCorpus({ seed: 0 })).vocabSize
 */
export function defaultCorpus(options: DefaultCorpusOptions): string {
  const { seed, length } = orThrow(validateDefaultCorpusOptions(options));
  const { paragraph } = grammar(splitmix32(seed));
  const parts: string[] = [];
  let total = 0;
  while (total < length) {
    const p = `${paragraph()}\n\n`;
    parts.push(p);
    total += p.length;
  }
  return parts.join('').slice(0, length);
}
