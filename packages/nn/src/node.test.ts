import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tensor } from '@loom/core';
import { expect, test } from 'vitest';
import { CheckpointMismatchError } from './checkpoint/errors.js';
import { saveCheckpoint } from './checkpoint/save.js';
import { loadCheckpointFile, saveCheckpointFile } from './node.js';

test('saveCheckpointFile / loadCheckpointFile round trip through the file system', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'loom-nn-'));
  try {
    const path = join(dir, 'model.safetensors');
    const t = {
      params: {
        w: tensor([
          [1, 2],
          [3, 4],
        ]),
      },
      opt: [{ count: tensor(3, { dtype: 'int32' }) }],
    };
    await saveCheckpointFile(path, t, { note: 'test' });
    expect(new Uint8Array(await readFile(path))).toEqual(saveCheckpoint(t, { note: 'test' }));
    const back = await loadCheckpointFile(path, t);
    expect(back.params.w.toArray()).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(back.opt[0].count.item()).toBe(3);
    await expect(loadCheckpointFile(path, { params: t.params })).rejects.toThrow(
      CheckpointMismatchError,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
