// SPDX-License-Identifier: MIT
/**
 * `@loom/nn/node`: file helpers for Node. Everything else in @loom/nn is browser-safe; only this
 * entry imports node: modules.
 *
 * @module @loom/nn/node
 */
import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { loadCheckpoint } from './checkpoint/load.js';
import { saveCheckpoint } from './checkpoint/save.js';

let saves = 0;

/** `.<file>.<pid>-<n>.tmp`: hidden, next to the target, and owned by one live process. */
function tempName(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${saves++}.tmp`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Removes temporary files a killed save of `path` left behind: those of processes that no longer
 * run. A live process's file is its save in progress and is left alone.
 */
async function removeStaleTemps(path: string): Promise<void> {
  const prefix = `.${basename(path)}.`;
  let names: string[];
  try {
    names = await readdir(dirname(path));
  } catch {
    return; // the folder is missing or unreadable: the save below reports the real problem
  }
  for (const name of names) {
    const m = name.startsWith(prefix) ? /^(\d+)-\d+\.tmp$/.exec(name.slice(prefix.length)) : null;
    if (m === null) continue;
    const pid = Number(m[1]);
    if (pid !== process.pid && !isAlive(pid)) {
      await unlink(join(dirname(path), name)).catch(() => undefined);
    }
  }
}

/** fsync of the folder makes the rename itself durable; Windows cannot open folders for it. */
async function syncFolder(folder: string): Promise<void> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(folder, 'r');
    await handle.sync();
  } catch {
    // Not supported on this platform (EISDIR/EPERM on Windows): the rename is still atomic.
  } finally {
    await handle?.close();
  }
}

/**
 * Writes `saveCheckpoint(tree, metadata)` to `path` (a .safetensors file) atomically: the bytes
 * go to a temporary file in the same folder, are flushed to disk, and replace `path` by rename.
 * A crash or kill at any moment leaves either the previous file or the new one, never a torn
 * mix; stale temporary files of killed saves are removed by the next save.
 * @example
 * await saveCheckpointFile('model.safetensors', params, { step: '100' });
 * const restored = await loadCheckpointFile('model.safetensors', params);
 */
export async function saveCheckpointFile(
  path: string,
  t: unknown,
  metadata?: Record<string, string>,
): Promise<void> {
  const bytes = saveCheckpoint(t, metadata);
  await removeStaleTemps(path);
  const temp = tempName(path);
  try {
    const handle = await open(temp, 'wx');
    try {
      await handle.writeFile(bytes);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (e) {
    await unlink(temp).catch(() => undefined);
    throw e;
  }
  await syncFolder(dirname(path));
}

/**
 * Reads a .safetensors file and loads it against `template` (see `loadCheckpoint`).
 * @example
 * const restored = await loadCheckpointFile('model.safetensors', params);
 */
export async function loadCheckpointFile<T>(path: string, template: T): Promise<T> {
  const buf = await readFile(path);
  return loadCheckpoint(new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength), template);
}
