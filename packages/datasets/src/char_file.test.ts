// charCorpusFromFile on real files in a temporary folder: every refusal names the path and the
// reason, and a good file gives the same split as charCorpusSplit of its text.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { charCorpusSplit } from './char_split.js';
import { CharTextError, type CharTextProblem } from './char_text.js';
import { charCorpusFromFile } from './node.js';

let dir = '';
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loom-char-file-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string | Uint8Array): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function refusal(path: string, seqLen = 8): Promise<CharTextError> {
  const error = await charCorpusFromFile(path, { seqLen }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(CharTextError);
  return error as CharTextError;
}

describe('charCorpusFromFile', () => {
  test('a UTF-8 file with astral characters: vocabulary by code point, last 10% held out', async () => {
    // 50 characters (a byte-order mark first, which is dropped): 45 train, 5 held out.
    const text = `${'ab😀c'.repeat(11)}xy𝄞😀!`;
    expect(Array.from(text).length).toBe(49);
    const path = await file('astral.txt', `\uFEFF${text}é`);
    const split = await charCorpusFromFile(path, { seqLen: 8 });
    const reference = charCorpusSplit(`${text}é`, { seqLen: 8 });
    expect(split.length).toBe(50);
    expect(split.heldOut.length).toBe(5);
    expect(split.heldOutText).toBe('y𝄞😀!é');
    // Sorted by code point: 😀 (U+1F600) after 𝄞 (U+1D11E), though both are surrogate pairs.
    expect(split.train.vocab).toEqual(['!', 'a', 'b', 'c', 'x', 'y', 'é', '𝄞', '😀']);
    expect(split.train.vocab).toEqual(reference.train.vocab);
    expect(Array.from(split.heldOut)).toEqual(Array.from(reference.heldOut));
    expect(split.train.text).toBe(reference.train.text);
  });

  const refusals: [string, string | Uint8Array, CharTextProblem, string][] = [
    ['empty.txt', '', 'empty', 'is empty: it has 0 characters (0 bytes).'],
    [
      'program.bin',
      Uint8Array.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0x01, 0x00, 0x00]),
      'nul-byte',
      'looks binary, not text: byte 7 of 9 is NUL (0x00).',
    ],
    [
      'latin1.txt',
      Uint8Array.from([...new TextEncoder().encode('na'), 0xef, 0x76, 0x65, 0x20, 0x63, 0x61]),
      'invalid-utf8',
      'is not valid UTF-8: the bytes at offset 2 (0xEF 0x76 0x65 0x20) are not a character.',
    ],
    [
      'controls.dat',
      Uint8Array.from({ length: 40 }, (_, i) => 1 + (i % 30)),
      'control-characters',
      'looks binary, not text: 33 of its 40 characters (82.5%) are control characters',
    ],
    [
      'short.txt',
      'hello',
      'too-short',
      'has 5 characters; training windows of 9 characters and a held-out tail of 10% (at least 2 characters) need at least 11.',
    ],
  ];
  for (const [name, content, problem, detail] of refusals) {
    test(`refuses ${name}: ${problem}`, async () => {
      const path = await file(name, content);
      const e = await refusal(path);
      expect(e.problem).toBe(problem);
      expect(e.message).toContain(`charCorpusFromFile: ${JSON.stringify(path)} ${detail}`);
      expect(e.detail).toContain(detail);
    });
  }

  test('a missing file and a folder are unreadable, with the system reason', async () => {
    const missing = await refusal(join(dir, 'nowhere.txt'));
    expect(missing.problem).toBe('unreadable');
    expect(missing.message).toContain(`${JSON.stringify(join(dir, 'nowhere.txt'))} cannot be read`);
    expect(missing.message).toContain('ENOENT');
    const folder = await refusal(dir);
    expect(folder.problem).toBe('unreadable');
    expect(folder.message).toContain('EISDIR');
  });
});
