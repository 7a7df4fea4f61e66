// SPDX-License-Identifier: MIT
// A Node program that used the pool must exit on its own: idle workers may not keep it alive.
// The child runs the runtime's sources transpiled to JavaScript (Node 20 cannot run TypeScript).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { ModuleBuilder } from '../compile/wasm/builder.js';

const src = fileURLToPath(new URL('../', import.meta.url));
const out = mkdtempSync(join(tmpdir(), 'loom-pool-exit-'));

function transpile(relative: string): void {
  const js = ts.transpileModule(readFileSync(join(src, relative), 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  writeFileSync(join(out, relative.replace(/\.ts$/, '.js')), js);
}

/** `store(begin, end, ptr, value)`: `i32[ptr/4 + i] = value + i`. */
function storeKernel(): number[] {
  const mb = new ModuleBuilder().importMemory({ initial: 1, maximum: 65536, shared: true });
  const store = mb.func(['i32', 'i32', 'i32', 'i32'], [], (w, [b, e, ptr, value]) => {
    const i = w.local('i32');
    w.forLoop(
      i,
      () => w.get(b),
      () => w.get(e),
      1,
      () => {
        w.get(ptr).get(i).i32(2).op('i32.shl').op('i32.add');
        w.get(value).get(i).op('i32.add').mem('i32.store');
      },
    );
  });
  return Array.from(mb.export(store, 'store').build());
}

const child = (bytes: number[]) => `
import { WasmHeap } from './runtime/heap.js';
import { WorkerPool } from './runtime/pool.js';
const heap = new WasmHeap({ initialBytes: 1 << 20, shared: true });
const pool = new WorkerPool({ heap, threads: () => 2 });
const id = pool.register(new WebAssembly.Module(new Uint8Array(${JSON.stringify(bytes)})));
const tasks = 512;
const ptr = heap.alloc(4 * tasks);
let job = 0;
// Keep dispatching until the worker has joined some jobs, then stop using the pool and return.
while (pool.stats().tasksOnWorkers === 0 && job < 1e6) {
  pool.run(id, 'store', tasks, [ptr, job++]);
  if (job % 100 === 0) await new Promise((resolve) => setTimeout(resolve, 1));
}
const last = heap.i32.subarray(ptr / 4, ptr / 4 + tasks);
const ok = last.every((v, i) => v === job - 1 + i);
console.log(JSON.stringify({ ok, workers: pool.stats().workers, onWorkers: pool.stats().tasksOnWorkers }));
`;

describe('WorkerPool in a Node process', () => {
  afterAll(() => rmSync(out, { recursive: true, force: true }));

  it('lets the process exit on its own after threaded jobs', () => {
    mkdirSync(join(out, 'runtime'));
    transpile('errors.ts');
    for (const f of readdirSync(join(src, 'runtime'))) {
      if (f.endsWith('.ts') && !f.endsWith('.test.ts')) transpile(join('runtime', f));
    }
    writeFileSync(join(out, 'package.json'), '{ "type": "module" }');
    writeFileSync(join(out, 'main.js'), child(storeKernel()));
    const started = performance.now();
    const result = spawnSync(process.execPath, [join(out, 'main.js')], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    const seconds = (performance.now() - started) / 1000;
    expect(result.stderr).toBe('');
    expect(result.signal).toBeNull(); // not killed by the timeout
    expect(result.status).toBe(0);
    const report = JSON.parse(result.stdout) as { ok: boolean; workers: number; onWorkers: number };
    expect(report.ok).toBe(true);
    expect(report.workers).toBe(1);
    expect(report.onWorkers).toBeGreaterThan(0);
    expect(seconds).toBeLessThan(5);
  });
});
