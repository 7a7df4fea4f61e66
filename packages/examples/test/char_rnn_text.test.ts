// char-rnn on the user's own text (issue 15, item 8): `--text FILE` with a vocabulary built from
// the file, a held-out tail scored as perplexity, `--temperature`, and one-line errors for empty,
// binary and non-UTF-8 files. Perplexity is checked against two independent computations.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tensor, zeros } from '@loom/core';
import { charCorpusSplit } from '@loom/datasets';
import { embedding, linear, lstmCell, rnn } from '@loom/nn';
import { describe, expect, test } from 'vitest';
import { runCli } from '../src/main.js';
import { type CharParams, charModel } from '../src/models/char_rnn.js';
import { heldOutLoss, heldOutWindows } from '../src/programs/char_perplexity.js';
import { charRnnProgram } from '../src/programs/char_rnn.js';
import { quietly } from './quiet.js';

const work = mkdtempSync(join(tmpdir(), 'loom-char-text-'));
const out = join(work, 'out');

/** Seeded sentences over a small alphabet: structured enough to learn from in a few steps. */
function generatedText(length: number): string {
  const words = ['the', 'cat', 'sat', 'on', 'a', 'mat', 'and', 'then', 'ran', 'to', 'its', 'bed'];
  let state = 12345;
  const next = (n: number) => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state % n;
  };
  let text = '';
  while (text.length < length) {
    const sentence = Array.from({ length: 4 + next(5) }, () => words[next(words.length)]);
    text += `${sentence.join(' ')}. `;
    if (next(6) === 0) text += '\n';
  }
  return text.slice(0, length);
}

const TEXT = generatedText(4000);
const textFile = join(work, 'story.txt');
writeFileSync(textFile, TEXT);

async function cli(argv: string[]) {
  const lines: string[] = [];
  const errors: string[] = [];
  const code = await runCli(argv, { out: (t) => lines.push(t), err: (t) => errors.push(t) });
  return { code, out: lines.join('\n'), err: errors };
}

describe('held-out windows', () => {
  test('consecutive windows overlapping by one character score each character once', () => {
    const ids = Int32Array.from({ length: 23 }, (_, i) => i);
    const held = heldOutWindows(ids, 4, 3, 1000);
    // 22 predictions in windows of 5 (4 each): 5 windows, 20 characters; the last 2 dropped.
    expect(held.width).toBe(5);
    expect(held.characters).toBe(20);
    expect(held.batches.map((b) => b.shape)).toEqual([
      [3, 5],
      [2, 5],
    ]);
    const rows = held.batches.flatMap((b) => {
      const data = Array.from(b.data() as Int32Array);
      return Array.from({ length: b.shape[0] }, (_, r) => data.slice(r * 5, r * 5 + 5));
    });
    expect(rows).toEqual([0, 4, 8, 12, 16].map((s) => [s, s + 1, s + 2, s + 3, s + 4]));
  });

  test('a tail shorter than one window is one shorter window; maxCharacters caps the cost', () => {
    const short = heldOutWindows(Int32Array.from([5, 6, 7]), 32, 64, 1000);
    expect(short.width).toBe(3);
    expect(short.characters).toBe(2);
    const capped = heldOutWindows(new Int32Array(1000), 9, 8, 100);
    expect(capped.characters).toBe(99);
    expect(capped.batches.reduce((n, b) => n + b.shape[0], 0)).toBe(11);
  });
});

describe('held-out perplexity against independent computations', () => {
  const split = charCorpusSplit(TEXT, { seqLen: 16 });
  const V = split.train.vocabSize;
  const held = heldOutWindows(split.heldOut, 16, 8, 10_000);
  // Characters scored: those after the first, up to held.characters.
  const scored = Array.from(split.heldOut.subarray(1, 1 + held.characters));

  test('a model whose logits are the log unigram frequencies: −mean log p by hand', () => {
    const model = charModel(split.train, { hidden: 8, embed: 4 });
    const counts = new Array<number>(V).fill(1); // add-one, so every character has p > 0
    for (const id of split.train.encode(split.train.text)) counts[id]++;
    const total = counts.reduce((a, b) => a + b, 0);
    const logP = counts.map((c) => Math.log(c / total));
    const init = model.init(0);
    // Zero output weights: every prediction is softmax(bias) = the unigram distribution.
    const params: CharParams = {
      ...init,
      out: { w: zeros(init.out.w.shape), b: tensor(logP) },
    };
    const expected = -scored.reduce((s, id) => s + logP[id], 0) / scored.length;
    for (const useJit of [true, false]) {
      const nats = heldOutLoss(model.loss, held, useJit)(params);
      expect(nats).toBeCloseTo(expected, 5);
    }
    // A uniform model (all-zero output layer) has perplexity exactly V.
    const uniform: CharParams = { ...init, out: { w: zeros(init.out.w.shape), b: zeros([V]) } };
    expect(Math.exp(heldOutLoss(model.loss, held, true)(uniform))).toBeCloseTo(V, 3);
  });

  test('a random LSTM: log-softmax of its logits summed in a float64 JS loop', () => {
    const cellConfig = { inFeatures: 4, hiddenSize: 8 };
    const model = charModel(split.train, { hidden: 8, embed: 4 });
    const params = model.init(3);
    // The reference runs the layers eagerly, window by window, and never calls model.loss.
    let sum = 0;
    let count = 0;
    const ids = split.heldOut;
    for (let start = 0; start + 16 < ids.length && count < held.characters; start += 16) {
      const inputs = tensor([Array.from(ids.subarray(start, start + 16))], { dtype: 'int32' });
      const xs = embedding.apply(params.embed, inputs);
      const carry = lstmCell.initialCarry(cellConfig, 1);
      const { outputs } = rnn(lstmCell, params.cell as never, xs, carry);
      const logits = linear.apply(params.out, outputs).data() as Float32Array; // [1, 16, V]
      for (let t = 0; t < 16; t++) {
        const row = Array.from(logits.subarray(t * V, (t + 1) * V));
        const max = Math.max(...row);
        const logZ = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
        sum += logZ - row[ids[start + t + 1]];
        count++;
      }
    }
    expect(count).toBe(held.characters);
    const expected = sum / count;
    expect(expected).toBeGreaterThan(0.5 * Math.log(V)); // an untrained model: near uniform
    for (const useJit of [true, false]) {
      expect(heldOutLoss(model.loss, held, useJit)(params)).toBeCloseTo(expected, 4);
    }
  });
});

describe('char-rnn --text FILE', () => {
  test('trains on the file: perplexity reported, finite, below the vocabulary size; samples use its characters', async () => {
    const vocab = [...new Set(Array.from(TEXT))];
    const summary = await quietly(() =>
      charRnnProgram.run({
        seed: 0,
        out,
        jit: true,
        steps: 40,
        text: textFile,
        temperature: 0.5,
      }),
    );
    const m = summary.metrics;
    expect(m.vocabSize).toBe(vocab.length);
    expect(m.temperature).toBe(0.5);
    // 400 held-out characters (10% of 4000) in windows of 33: 12 windows of 32 predictions.
    expect(m.heldOutCharacters).toBe(12 * 32);
    expect(Number.isFinite(m.heldOutPerplexity)).toBe(true);
    expect(m.heldOutPerplexity).toBeCloseTo(Math.exp(m.heldOutLoss), 10);
    expect(m.heldOutPerplexity).toBeLessThan(vocab.length);
    const reported = summary.lines.find((l) => l.startsWith('held-out perplexity: '));
    expect(reported).toContain(m.heldOutPerplexity.toFixed(3));
    expect(reported).toContain(`(uniform: ${vocab.length})`);
    const sampleLine = summary.lines.find((l) => l.startsWith('last sample (T=0.5): '));
    const sample = JSON.parse(sampleLine!.slice('last sample (T=0.5): '.length)) as string;
    expect(Array.from(sample).length).toBe(120);
    for (const c of sample) expect(vocab).toContain(c);
  }, 120_000);

  const binary = join(work, 'program.bin');
  writeFileSync(binary, Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0]));
  const empty = join(work, 'empty.txt');
  writeFileSync(empty, '');
  const latin1 = join(work, 'latin1.txt');
  writeFileSync(latin1, Uint8Array.from([0x63, 0x61, 0x66, 0xe9, 0x0a, ...Array(40).fill(0x61)]));

  test.each([
    [
      'a binary file',
      binary,
      `--text ${binary} looks binary, not text: byte 7 of 10 is NUL (0x00).`,
    ],
    ['an empty file', empty, `--text ${empty} is empty: it has 0 characters (0 bytes).`],
    ['a Latin-1 file', latin1, `--text ${latin1} is not valid UTF-8: the bytes at offset 3`],
  ])('%s is refused before training, in one line', async (_, path, message) => {
    const { code, out: stdout, err } = await cli(['char-rnn', '--text', path, '--out', out]);
    expect(code).toBe(1);
    expect(err).toHaveLength(1);
    expect(err[0]).toContain(`loom-examples char-rnn: ${message}`);
    expect(err[0]).not.toContain('\n');
    expect(stdout).not.toContain('step ');
  });

  test.each([
    ['0', 'got "0"'],
    ['-1', 'got "-1"'],
    ['warm', 'got "warm"'],
  ])('--temperature %s is a usage error', async (value, got) => {
    const { code, err } = await cli(['char-rnn', `--temperature=${value}`]);
    expect(code).toBe(2);
    expect(err).toEqual([`loom-examples: --temperature needs a positive number, ${got}.`]);
  });

  test('--help lists --text and --temperature with its default', async () => {
    const { code, out: help } = await cli(['char-rnn', '--help']);
    expect(code).toBe(0);
    expect(help).toMatch(/--temperature T\s+sampling temperature, > 0 \(default 0\.8\)/);
    expect(help).toMatch(/--text FILE\s+.*last 10% is held out/);
  });
});
