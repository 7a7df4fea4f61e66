// SPDX-License-Identifier: MIT
/**
 * @loom/nn/node: file helpers for Node. Everything else in @loom/nn is browser-safe; only this
 * entry imports node: modules.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { loadCheckpoint } from './checkpoint/load.js';
import { saveCheckpoint } from './checkpoint/save.js';

/** Writes `saveCheckpoint(tree, metadata)` to `path` (a .safetensors file). */
export async function saveCheckpointFile(
  path: string,
  t: unknown,
  metadata?: Record<string, string>,
): Promise<void> {
  await writeFile(path, saveCheckpoint(t, metadata));
}

/** Reads a .safetensors file and loads it against `template` (see `loadCheckpoint`). */
export async function loadCheckpointFile<T>(path: string, template: T): Promise<T> {
  const buf = await readFile(path);
  return loadCheckpoint(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), template);
}
