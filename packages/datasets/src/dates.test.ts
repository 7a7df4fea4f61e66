import { fc, test as property } from '@fast-check/vitest';
import { tensor } from '@loom/core';
import { describe, expect, test } from 'vitest';
import {
  type CalendarDate,
  DATE_FORMATS,
  DATE_PAD_ID,
  DATE_START_ID,
  type DateFormatName,
  dateTranslation,
  formatDate,
  isoDate,
} from './dates.js';
import { DatasetError } from './errors.js';

const may3 = { year: 1987, month: 5, day: 3 };
const task = dateTranslation({ seed: 0 });

/** Days since 1970-01-01 counted by hand (Gregorian leap rule), for an independent weekday. */
function daysSinceEpoch({ year, month, day }: CalendarDate): number {
  const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const lengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
  let n = 0;
  for (let y = 1970; y < year; y++) n += leap(y) ? 366 : 365;
  for (let y = year; y < 1970; y++) n -= leap(y) ? 366 : 365;
  for (let m = 1; m < month; m++) n += lengths[m - 1] + (m === 2 && leap(year) ? 1 : 0);
  return n + day - 1;
}

/** Reads an input string back into a date, knowing only its format's documented field order. */
function parse(input: string, format: DateFormatName): CalendarDate {
  const months = [
    'jan',
    'feb',
    'mar',
    'apr',
    'may',
    'jun',
    'jul',
    'aug',
    'sep',
    'oct',
    'nov',
    'dec',
  ];
  const words = input
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  const numbers = words.filter((w) => /^\d/.test(w)).map((w) => Number.parseInt(w, 10));
  const named = words.find((w) => months.includes(w.slice(0, 3)) && !/day$/.test(w));
  if (format === 'YYYYMMDD') {
    const n = numbers[0];
    return { year: Math.floor(n / 10000), month: Math.floor(n / 100) % 100, day: n % 100 };
  }
  if (named !== undefined) {
    const month = months.indexOf(named.slice(0, 3)) + 1;
    const year = numbers.find((n) => n >= 1000)!;
    const day = numbers.find((n) => n < 1000)!;
    return { year, month, day };
  }
  if (format.startsWith('YYYY')) return { year: numbers[0], month: numbers[1], day: numbers[2] };
  if (format.includes('.')) return { day: numbers[0], month: numbers[1], year: numbers[2] };
  return { month: numbers[0], day: numbers[1], year: numbers[2] };
}

describe('formatDate', () => {
  test('writes the documented formats', () => {
    expect(formatDate(may3, 'D MMMM YYYY')).toBe('3 May 1987');
    expect(formatDate(may3, 'MMMM Do, YYYY')).toBe('May 3rd, 1987');
    expect(formatDate(may3, 'dddd, D MMMM YYYY')).toBe('Sunday, 3 May 1987');
    expect(formatDate(may3, 'ddd, D MMM YYYY', 'upper')).toBe('SUN, 3 MAY 1987');
    expect(formatDate(may3, 'D.M.YYYY')).toBe('3.5.1987');
    expect(formatDate(may3, 'MM/DD/YYYY')).toBe('05/03/1987');
    expect(formatDate(may3, 'YYYY MMMM D', 'lower')).toBe('1987 may 3');
    expect(formatDate({ year: 2011, month: 11, day: 11 }, 'Do MMMM YYYY')).toBe(
      '11th November 2011',
    );
    expect(formatDate({ year: 2021, month: 3, day: 22 }, 'Do MMMM YYYY')).toBe('22nd March 2021');
    expect(isoDate(may3)).toBe('1987-05-03');
  });

  property.prop([fc.integer({ min: 0, max: 365 * 400 }), fc.constantFrom(...DATE_FORMATS)])(
    'every format names the right weekday and reads back to the same date',
    (offset, format) => {
      const d = new Date(Date.UTC(1800, 0, 1) + offset * 86_400_000);
      const date = { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
      const text = formatDate(date, format);
      expect(parse(text, format)).toEqual(date);
      if (format.startsWith('dddd')) {
        const names = ['Thursday', 'Friday', 'Saturday', 'Sunday', 'Monday', 'Tuesday'];
        const weekday = [...names, 'Wednesday'][((daysSinceEpoch(date) % 7) + 7) % 7];
        expect(text.startsWith(weekday)).toBe(true);
      }
    },
  );
});

describe('dateTranslation', () => {
  test('every date of the range in every format and case fits the vocabulary and inputLength', () => {
    const all = task.dates();
    expect(all.length).toBe(36_525); // 100 years, 25 of them leap (2000 is)
    let longest = 0;
    const strings: string[] = [];
    for (const date of all.filter((_, i) => i % 211 === 0 || i < 366)) {
      for (const format of DATE_FORMATS) {
        for (const c of ['title', 'lower', 'upper'] as const) {
          const s = formatDate(date, format, c);
          longest = Math.max(longest, s.length);
          strings.push(s);
        }
      }
    }
    expect(longest).toBe(task.inputLength);
    const encoded = task.encodeInputs(strings);
    expect(encoded.shape).toEqual([strings.length, task.inputLength]);
    expect(task.decodeInputs(encoded)).toEqual(strings);
  });

  test('split is a seeded partition, disjoint by date', () => {
    const { train, test: held } = task.split({ test: 1000 });
    expect(held.length).toBe(1000);
    expect(train.length + held.length).toBe(task.dates().length);
    const key = (d: CalendarDate) => isoDate(d);
    const trainKeys = new Set(train.map(key));
    expect(trainKeys.size).toBe(train.length);
    expect(held.filter((d) => trainKeys.has(key(d)))).toEqual([]);
    expect(dateTranslation({ seed: 0 }).split({ test: 1000 }).test).toEqual(held);
    expect(dateTranslation({ seed: 1 }).split({ test: 1000 }).test).not.toEqual(held);
  });

  test('examples and batches: teacher-forcing layout, formats mixed, reproducible', () => {
    const { train, test: held } = task.split({ test: 200 });
    const batch = task.examples(held);
    expect(batch.inputs.shape).toEqual([200, task.inputLength]);
    expect(batch.decoderInputs.shape).toEqual([200, 10]);
    expect(batch.targets.shape).toEqual([200, 10]);
    expect(task.decodeOutputs(batch.targets)).toEqual(held.map(isoDate));
    expect(task.decodeInputs(batch.inputs)).toEqual(batch.pairs.map((p) => p.input));
    const dec = batch.decoderInputs.toArray() as number[][];
    const tgt = batch.targets.toArray() as number[][];
    expect(dec.map((row) => row[0])).toEqual(dec.map(() => DATE_START_ID));
    expect(dec.map((row) => row.slice(1))).toEqual(tgt.map((row) => row.slice(0, 9)));
    expect(batch.pairs.map((p) => parse(p.input, p.format))).toEqual(held);
    // Padding follows the text and only the text.
    const ids = batch.inputs.toArray() as number[][];
    const padded = ids.map((row, b) => {
      const n = Array.from(batch.pairs[b].input).length;
      return (
        row.slice(n).every((id) => id === DATE_PAD_ID) &&
        row.slice(0, n).every((id) => id !== DATE_PAD_ID)
      );
    });
    expect(padded.every(Boolean)).toBe(true);
    expect(new Set(batch.pairs.map((p) => p.format)).size).toBeGreaterThan(DATE_FORMATS.length / 2);
    const first = task.batches(train, 32).next().value;
    expect(first.inputs.shape).toEqual([32, task.inputLength]);
    expect(dateTranslation({ seed: 0 }).batches(train, 32).next().value.pairs).toEqual(first.pairs);
    const trainKeys = new Set(train.map(isoDate));
    expect(first.pairs.filter((p) => !trainKeys.has(p.target))).toEqual([]);
  });

  test('bad options and inputs are DatasetErrors naming the function, option and value', () => {
    const cases: [() => unknown, string[]][] = [
      [() => dateTranslation({} as never), ['dateTranslation: seed must be a safe integer']],
      [
        () => dateTranslation({ seed: 0, minYear: 2000, maxYear: 1999 }),
        ['dateTranslation: maxYear must be an integer from 2000 to 9999; got 1999.'],
      ],
      [
        () => task.split({ test: 36_525 }),
        ['dateTranslation.split: test must leave dates for training', '36525 dates'],
      ],
      [
        () => task.batches(task.dates(), 0),
        ['dateTranslation.batches: batchSize must be an integer from 1'],
      ],
      [() => task.examples([]), ['dateTranslation.examples: dates must be a non-empty array']],
      [
        () => task.examples([{ year: 1900, month: 1, day: 1 }]),
        ['dateTranslation.examples: dates[0].year must be within 1950–2049; got 1900.'],
      ],
      [
        () => task.examples([{ year: 1999, month: 2, day: 29 }]),
        ['date.day must be an integer from 1 to 28; got 29', '(dates[0])'],
      ],
      [
        () => task.encodeInputs(['3 May 1987!']),
        ['dateTranslation.encodeInputs: character "!" at position 10 of inputs[0]'],
      ],
      [
        () => task.encodeInputs(['x'.repeat(40)]),
        ['has 40 characters', `inputLength = ${task.inputLength}`],
      ],
      [
        () => task.encodeTargets(['1987-5-3']),
        [
          'dateTranslation.encodeTargets: targets[0] must be an ISO date YYYY-MM-DD; got "1987-5-3".',
        ],
      ],
      [
        () => task.decodeOutputs(tensor([[1.5]])),
        ['dateTranslation.decodeOutputs: ids must be int32 [B, T] or [T], got float32 [1, 1].'],
      ],
      [
        () => task.decodeOutputs(tensor([[2, 40]], { dtype: 'int32' })),
        ['ids[0, 1] must be an integer from 0 to 12; got 40.'],
      ],
      [() => formatDate(may3, 'D/M/YYYY' as never), ["formatDate: format must be one of 'D MMMM"]],
    ];
    for (const [thunk, pieces] of cases) {
      let thrown: unknown;
      try {
        thunk();
      } catch (e) {
        thrown = e;
      }
      expect(thrown, String(thunk)).toBeInstanceOf(DatasetError);
      for (const piece of pieces) expect((thrown as Error).message).toContain(piece);
    }
  });
});
