// SPDX-License-Identifier: MIT
// `--out` is checked before training starts, so a long run never fails at the end on its plots.
import { mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ExampleError } from './programs/program.js';

const kindOf = (path: string) => {
  try {
    return statSync(path).isDirectory() ? 'folder' : 'file';
  } catch {
    return 'missing';
  }
};

/**
 * Makes sure `dir` is a folder we can write: creates it when its parent folder exists (not a
 * whole missing path, which is more often a typo), then writes and removes a probe file, which
 * is the only test that holds for read-only file systems and for root alike.
 */
export function prepareOutDir(dir: string): void {
  const path = resolve(dir);
  const kind = kindOf(path);
  if (kind === 'file') throw new ExampleError(`--out ${dir} is a file; it must be a folder.`);
  if (kind === 'missing') {
    const parent = dirname(path);
    const parentKind = kindOf(parent);
    if (parentKind !== 'folder') {
      throw new ExampleError(
        `--out ${dir} cannot be created: its parent ${parent} ${parentKind === 'file' ? 'is a file' : 'does not exist'}.`,
      );
    }
    try {
      mkdirSync(path);
    } catch (e) {
      throw new ExampleError(`--out ${dir} cannot be created: ${(e as Error).message}.`);
    }
  }
  const probe = join(path, `.loom-write-check-${process.pid}`);
  try {
    writeFileSync(probe, '');
    rmSync(probe);
  } catch (e) {
    throw new ExampleError(`--out ${dir} is not writable: ${(e as Error).message}.`);
  }
}
