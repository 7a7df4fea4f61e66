// seq2seq-dates: the encoder-decoder with additive attention. A short run must learn (the loss
// falls) and greedy decoding must give tokens and attention of the right shapes, with attention
// rows that are distributions over the real input characters only. The full run (≥ 99% exact
// match on 1,000 held-out dates) takes minutes, so it runs only with LOOM_SEQ2SEQ_FULL=1.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jit, random } from '@loom/core';
import { DATE_PAD_ID, DATE_START_ID, dateTranslation } from '@loom/datasets';
import { describe, expect, test } from 'vitest';
import { ExampleError } from '../src/programs/program.js';
import { SEQ2SEQ_TARGET_ACCURACY, seq2seqDatesProgram } from '../src/programs/seq2seq_dates.js';
import { greedyDecode, initSeq2Seq, type Seq2SeqConfig } from '../src/programs/seq2seq_model.js';
import { quietly } from './quiet.js';

const out = mkdtempSync(join(tmpdir(), 'loom-seq2seq-'));

describe('seq2seq-dates', () => {
  test('a short jitted run lowers the loss and draws the attention heat-map', async () => {
    const summary = await quietly(() =>
      seq2seqDatesProgram.run({ seed: 0, out, jit: true, steps: 60 }),
    );
    expect(summary.metrics.lastLoss).toBeLessThan(summary.metrics.firstLoss * 0.8);
    expect(summary.metrics.accuracy).toBeGreaterThanOrEqual(0);
    const svg = readFileSync(join(out, 'seq2seq-dates-attention.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    // 3 examples × 10 output steps, one cell per real input character.
    expect((svg.match(/<rect x=/g) ?? []).length).toBeGreaterThanOrEqual(3 * 10 * 8);
  }, 300_000);

  test('greedy decoding (a jitted scan): shapes, and attention only on real characters', () => {
    const task = dateTranslation({ seed: 1 });
    const held = task.examples(task.split({ test: 6 }).test);
    for (const cell of ['gru', 'lstm'] as const) {
      const cfg: Seq2SeqConfig = {
        cell,
        inputVocab: task.inputVocab.length,
        outputVocab: task.outputVocab.length,
        embed: 8,
        encoderHidden: 8,
        decoderHidden: 12,
        attention: 6,
        padId: DATE_PAD_ID,
        startId: DATE_START_ID,
      };
      const params = initSeq2Seq(random.key(3), cfg);
      const run = (p: typeof params, inputs: typeof held.inputs) =>
        greedyDecode(p, inputs, cfg, task.outputLength);
      const { tokens, weights } = jit(run)(params, held.inputs);
      expect(tokens.shape).toEqual([6, 10]);
      expect(tokens.dtype).toBe('int32');
      expect(weights.shape).toEqual([6, 10, task.inputLength]);
      const eager = run(params, held.inputs);
      expect(Array.from(eager.tokens.data())).toEqual(Array.from(tokens.data()));
      const w = weights.toArray() as number[][][];
      held.pairs.forEach((pair, b) => {
        const n = Array.from(pair.input).length;
        for (const row of w[b]) {
          expect(row.slice(0, n).reduce((a, x) => a + x, 0)).toBeCloseTo(1, 5);
          expect(row.slice(n).every((x) => x === 0)).toBe(true);
        }
      });
    }
  });

  test('--cell rnn is refused with a message naming the choices', async () => {
    await expect(
      seq2seqDatesProgram.run({ seed: 0, out, jit: true, steps: 1, cell: 'rnn' }),
    ).rejects.toThrow(ExampleError);
    await expect(
      seq2seqDatesProgram.run({ seed: 0, out, jit: true, steps: 1, cell: 'rnn' }),
    ).rejects.toThrow(/seq2seq-dates: --cell must be gru \(the default\) or lstm, got rnn/);
  });
});

// Defined only when asked for, so ordinary runs neither take minutes nor report a skipped test.
if (process.env.LOOM_SEQ2SEQ_FULL === '1') {
  describe('seq2seq-dates, full run', () => {
    test('reaches 99% exact match on 1,000 held-out dates with the default settings', async () => {
      const summary = await quietly(() => seq2seqDatesProgram.run({ seed: 0, out, jit: true }));
      // The measured numbers the README quotes.
      console.log(summary.lines.slice(1).join('\n'));
      expect(summary.metrics.accuracy).toBeGreaterThanOrEqual(SEQ2SEQ_TARGET_ACCURACY);
      expect(summary.ok).toBe(true);
    }, 1_800_000);
  });
}
