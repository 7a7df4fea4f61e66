import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DatasetError } from './errors.js';
import { encodeIdx } from './idx.js';
import { loadIdxFile, loadIdxPair, loadMnistDir, loadTextFile } from './node.js';

let dir = '';

/** n images of 28×28 whose every pixel equals the image index, and labels n − 1 − i. */
function mnistLike(n: number) {
  const pixels = new Uint8Array(n * 784);
  for (let i = 0; i < n; i++) pixels.fill(i * 10, i * 784, (i + 1) * 784);
  return {
    images: encodeIdx([n, 28, 28], pixels),
    labels: encodeIdx(
      [n],
      Array.from({ length: n }, (_, i) => n - 1 - i),
    ),
  };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loom-datasets-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('node loaders', () => {
  test('loadTextFile reads UTF-8 and drops a byte-order mark', async () => {
    const path = join(dir, 'text.txt');
    await writeFile(path, '\uFEFFhéllo 😀\n', 'utf8');
    expect(await loadTextFile(path)).toBe('héllo 😀\n');
  });

  test('loadIdxPair reads plain and gzipped files in both layouts', async () => {
    const { images, labels } = mnistLike(3);
    await writeFile(join(dir, 'img.idx'), gzipSync(images));
    await writeFile(join(dir, 'lbl.idx'), labels);
    const pixels = await loadIdxPair(join(dir, 'img.idx'), join(dir, 'lbl.idx'));
    expect(pixels.x.shape).toEqual([3, 784, 1]);
    expect(Array.from(pixels.y.data())).toEqual([2, 1, 0]);
    const rows = await loadIdxPair(join(dir, 'img.idx'), join(dir, 'lbl.idx'), { layout: 'rows' });
    expect(rows.x.shape).toEqual([3, 28, 28]);
    expect(rows.x.data()[2 * 784]).toBeCloseTo(20 / 255, 6);
    expect((await loadIdxFile(join(dir, 'lbl.idx'))).dims).toEqual([3]);
  });

  test('loadMnistDir finds the standard names, plain or .gz', async () => {
    const mnist = join(dir, 'mnist');
    await mkdir(mnist);
    const train = mnistLike(4);
    const testSet = mnistLike(2);
    await writeFile(join(mnist, 'train-images-idx3-ubyte.gz'), gzipSync(train.images));
    await writeFile(join(mnist, 'train-labels-idx1-ubyte'), train.labels);
    await writeFile(join(mnist, 't10k-images-idx3-ubyte'), testSet.images);
    await writeFile(join(mnist, 't10k-labels-idx1-ubyte.gz'), gzipSync(testSet.labels));
    const loaded = await loadMnistDir(mnist);
    expect(loaded.train.x.shape).toEqual([4, 784, 1]);
    expect(loaded.test.x.shape).toEqual([2, 784, 1]);
    expect(Array.from(loaded.test.y.data())).toEqual([1, 0]);
    const rows = await loadMnistDir(mnist, { layout: 'rows' });
    expect(rows.train.x.shape).toEqual([4, 28, 28]);
  });

  test('reports missing files and damaged files as DatasetError', async () => {
    const missing = join(dir, 'nope.txt');
    await expect(loadTextFile(missing)).rejects.toThrow(DatasetError);
    await expect(loadTextFile(missing)).rejects.toThrow(
      /loadTextFile: cannot read ".*nope\.txt": ENOENT/,
    );
    await expect(loadTextFile('')).rejects.toThrow(
      /loadTextFile: path must be a non-empty string; got ""\./,
    );
    const empty = join(dir, 'empty');
    await mkdir(empty);
    await expect(loadMnistDir(empty)).rejects.toThrow(DatasetError);
    await expect(loadMnistDir(empty)).rejects.toThrow(
      /loadMnistDir: no train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte in ".*empty"; for each, tried the name as is, with \.gz, and dotted \(e\.g\. train-images-idx3-ubyte, train-images-idx3-ubyte\.gz, train-images\.idx3-ubyte, train-images\.idx3-ubyte\.gz\)/,
    );
    const partial = join(dir, 'partial');
    await mkdir(partial);
    const { images, labels } = mnistLike(1);
    await writeFile(join(partial, 'train-images-idx3-ubyte'), images);
    await writeFile(join(partial, 'train-labels-idx1-ubyte'), labels);
    await expect(loadMnistDir(partial)).rejects.toThrow(
      /loadMnistDir: no t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte in/,
    );
    const bad = join(dir, 'bad.idx');
    await writeFile(bad, Uint8Array.of(0, 0, 8, 1, 0, 0, 0, 5, 1, 2));
    await expect(loadIdxFile(bad)).rejects.toThrow(
      /parseIdx: truncated body: dims \[5\] need 5 body bytes/,
    );
  });
});

describe('browser safety', () => {
  test('only node.ts imports node: modules or uses Buffer/process', async () => {
    const src = new URL('.', import.meta.url);
    const files = (await readdir(src)).filter(
      (f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && f !== 'node.ts',
    );
    expect(files).toContain('index.ts');
    for (const file of files) {
      const code = await readFile(new URL(file, src), 'utf8');
      expect(code, file).not.toMatch(/from ['"]node:|require\(|\bBuffer\b|\bprocess\b/);
      expect(code, file).not.toMatch(/from ['"]\.\/node\.js['"]/);
    }
  });
});
