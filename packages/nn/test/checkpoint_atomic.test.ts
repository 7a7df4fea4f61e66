// Issue 13 item 4: saveCheckpointFile is atomic. A child process saves a large checkpoint in a
// loop and is SIGKILLed at random moments; after every kill the file must load and hold one
// complete version, and at most one temporary file (the killed save's) may remain, which the
// next save removes.
import { spawn } from 'node:child_process';
import { type FSWatcher, watch } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { full, ShapedArray, type Tensor, tensor } from '@loom/core';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { loadCheckpointFile, saveCheckpointFile } from '../src/node.js';
import { runnableSources } from './runnable_sources.js';

const KILLS = 20;
/** More rounds (up to this many) until at least 3 kills have hit a write in progress. */
const MAX_ROUNDS = 30;
const ELEMENTS = 2 ** 20; // 4 MB of float32 per save: long enough to be killed inside one

const template = {
  version: new ShapedArray([], 'int32'),
  w: new ShapedArray([ELEMENTS], 'float32'),
};

/** Writes version v: every element of w equals v, so a torn mix of two versions shows. */
const childScript = (core: string, nodeEntry: string) => `
import { tensor } from ${JSON.stringify(core)};
import { saveCheckpointFile } from ${JSON.stringify(nodeEntry)};
const [path, first] = [process.argv[2], Number(process.argv[3])];
for (let v = first; ; v++) {
  const w = tensor(new Float32Array(${ELEMENTS}).fill(v));
  await saveCheckpointFile(path, { version: tensor(v, { dtype: 'int32' }), w });
  process.stdout.write(v + '\\n');
}
`;

let dir: string;
let script: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'loom-atomic-'));
  const { core, nodeEntry } = await runnableSources(join(dir, 'src'));
  script = join(dir, 'saver.mjs');
  await writeFile(script, childScript(core, nodeEntry));
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true, maxRetries: 5 });
});

/**
 * Resolves when a temporary file appears in `folder` (a save has started writing), after a
 * further random delay of up to `jitterMs` so kills land at different points of the write.
 */
function saveStarted(folder: string, jitterMs: number): { started: Promise<void>; stop(): void } {
  let watcher: FSWatcher | undefined;
  const started = new Promise<void>((resolve) => {
    watcher = watch(folder, (_event, name) => {
      if (name?.endsWith('.tmp')) {
        watcher?.close();
        setTimeout(resolve, Math.random() * jitterMs);
      }
    });
  });
  return { started, stop: () => watcher?.close() };
}

test(`${KILLS}+ SIGKILLs mid-save never leave a torn or missing checkpoint`, async () => {
  const folder = join(dir, 'ckpt');
  await mkdir(folder);
  const path = join(folder, 'model.safetensors');
  const save = (v: number) =>
    saveCheckpointFile(path, { version: tensor(v, { dtype: 'int32' }), w: full([ELEMENTS], v) });
  await save(0);
  let lastVersion = 0;
  let killedMidSave = 0;
  let rounds = 0;
  for (; rounds < KILLS || (killedMidSave < 3 && rounds < MAX_ROUNDS); rounds++) {
    const round = rounds;
    // Kill as soon as the child's save has created its temporary file (the dangerous window:
    // the target must still hold the previous complete version), at a random point of it.
    const watcher = saveStarted(folder, 8);
    const child = spawn(process.execPath, [script, path, String((round + 1) * 1000)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise((r) => child.on('exit', r));
    await Promise.race([watcher.started, exited]);
    watcher.stop();
    child.kill('SIGKILL');
    await exited;
    const names = await readdir(folder);
    const temps = names.filter((n) => n !== 'model.safetensors');
    expect(temps.length).toBeLessThanOrEqual(1);
    if (temps.length === 1) {
      expect(temps[0]).toMatch(new RegExp(`^\\.model\\.safetensors\\.${child.pid}-\\d+\\.tmp$`));
      killedMidSave++;
    }
    const loaded = (await loadCheckpointFile(path, template)) as unknown as Record<string, Tensor>;
    const v = loaded.version.item();
    const w = loaded.w.data();
    expect(w.every((x) => x === v)).toBe(true); // one complete version, not a mix
    expect(v).toBeGreaterThanOrEqual(lastVersion); // and never an older one
    lastVersion = v;
  }
  // The next save removes the killed saves' temporary file.
  await save(-1);
  expect(await readdir(folder)).toEqual(['model.safetensors']);
  console.log(
    `checkpoint_atomic: ${killedMidSave} of ${rounds} kills landed mid-write (temp file present)`,
  );
  // The kills did hit saves in progress, so the test exercised the dangerous window.
  expect(killedMidSave).toBeGreaterThan(0);
}, 400_000);
