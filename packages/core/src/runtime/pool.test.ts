// SPDX-License-Identifier: MIT
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { ModuleBuilder } from '../compile/wasm/builder.js';
import { InvalidArgumentError } from '../errors.js';
import { type MemoryImportType, PAGE_BYTES, WasmHeap } from './heap.js';
import { WorkerPool } from './pool.js';

/**
 * Tiny kernels in the `(taskBegin, taskEnd, ...args)` convention:
 * - `tally(begin, end, sumPtr, countPtr, seed)`: for each task i, `sum[i] += (i * 0x9E3779B1) ^ seed`
 *   and `count[i] += 1` (int32 slots), so a task run twice or never shows in the counts.
 * - `decay(begin, end, outPtr, seed: f32, reps)`: `reps` times `out[i] = out[i] * 0.999 + sqrt(i + seed)`
 *   in float32.
 * - `trap(begin, end, bad)`: `unreachable` at task `bad`.
 * - `store(begin, end, ptr, value)`: `i32[ptr/4 + i] = value + i`.
 */
function testKernels(memory: MemoryImportType): Uint8Array<ArrayBuffer> {
  const mb = new ModuleBuilder().importMemory(memory);
  const tally = mb.func(['i32', 'i32', 'i32', 'i32', 'i32'], [], (w, [b, e, sum, count, seed]) => {
    const i = w.local('i32');
    const at = w.local('i32');
    w.forLoop(
      i,
      () => w.get(b),
      () => w.get(e),
      1,
      () => {
        w.get(sum).get(i).i32(2).op('i32.shl').op('i32.add').set(at);
        w.get(at).get(at).mem('i32.load');
        w.get(i)
          .i32(0x9e3779b1 | 0)
          .op('i32.mul')
          .get(seed)
          .op('i32.xor');
        w.op('i32.add').mem('i32.store');
        w.get(count).get(i).i32(2).op('i32.shl').op('i32.add').set(at);
        w.get(at).get(at).mem('i32.load').i32(1).op('i32.add').mem('i32.store');
      },
    );
  });
  const decay = mb.func(['i32', 'i32', 'i32', 'f32', 'i32'], [], (w, [b, e, out, seed, reps]) => {
    const i = w.local('i32');
    const r = w.local('i32');
    const at = w.local('i32');
    const v = w.local('f32');
    w.forLoop(
      i,
      () => w.get(b),
      () => w.get(e),
      1,
      () => {
        w.get(out).get(i).i32(2).op('i32.shl').op('i32.add').tee(at).mem('f32.load').set(v);
        w.forLoop(
          r,
          () => w.i32(0),
          () => w.get(reps),
          1,
          () => {
            w.get(v).f32(0.999).op('f32.mul');
            w.get(i).op('f32.convert_i32_s').get(seed).op('f32.add').op('f32.sqrt');
            w.op('f32.add').set(v);
          },
        );
        w.get(at).get(v).mem('f32.store');
      },
    );
  });
  const trap = mb.func(['i32', 'i32', 'i32'], [], (w, [b, e, bad]) => {
    const i = w.local('i32');
    w.forLoop(
      i,
      () => w.get(b),
      () => w.get(e),
      1,
      () => {
        w.get(i).get(bad).op('i32.eq');
        w.if(() => w.op('unreachable'));
      },
    );
  });
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
  mb.export(tally, 'tally').export(decay, 'decay').export(trap, 'trap').export(store, 'store');
  return new Uint8Array(mb.build());
}

/** JavaScript reference of `tally`'s increment for task i. */
const tallyTerm = (i: number, seed: number) => (Math.imul(i, 0x9e3779b1 | 0) ^ seed) | 0;

/** JavaScript reference of one `decay` step (float32 arithmetic via Math.fround). */
function decayStep(v: number, i: number, seed: number): number {
  const f = Math.fround;
  return f(f(v * f(0.999)) + f(Math.sqrt(f(i + f(seed)))));
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A pool of `threads` over a fresh shared heap, with the test kernels registered. */
function setUp(threads: () => number) {
  const heap = new WasmHeap({ initialBytes: 4 * PAGE_BYTES, shared: true });
  const pool = new WorkerPool({ heap, threads });
  const id = pool.register(new WebAssembly.Module(testKernels(heap.memoryImport())));
  return { heap, pool, id };
}

/**
 * Runs one job so workers start (`store` into `ptr`, or `start`), then waits until every worker
 * has instantiated module `id`.
 */
async function warmUp(
  pool: WorkerPool,
  id: number,
  ptr: number,
  start = () => pool.run(id, 'store', 2, [ptr, 0]),
): Promise<void> {
  start();
  for (let i = 0; i < 500 && !pool.stats().ready.every((r) => r > id); i++) await sleep(10);
  expect(pool.stats().ready.every((r) => r > id)).toBe(true);
}

describe('WorkerPool', () => {
  const two = setUp(() => 2);

  it('runs 10,000 tiny jobs in a row: every task exactly once per job, as the JS reference', async () => {
    const { heap, pool, id } = two;
    const tasks = 37;
    const sum = heap.alloc(4 * tasks);
    const count = heap.alloc(4 * tasks);
    await warmUp(pool, id, sum);
    heap.i32.fill(0, sum / 4, sum / 4 + tasks);
    heap.i32.fill(0, count / 4, count / 4 + tasks);
    const before = pool.stats().tasksOnWorkers;
    const want = new Int32Array(tasks);
    const jobs = 10_000;
    for (let j = 0; j < jobs; j++) {
      const seed = Math.imul(j, 7919) ^ 0x5bd1e995;
      pool.run(id, 'tally', tasks, [sum, count, seed]);
      for (let i = 0; i < tasks; i++) want[i] = (want[i] + tallyTerm(i, seed)) | 0;
    }
    expect(Array.from(heap.i32.subarray(count / 4, count / 4 + tasks))).toEqual(
      new Array(tasks).fill(jobs),
    );
    expect(Array.from(heap.i32.subarray(sum / 4, sum / 4 + tasks))).toEqual(Array.from(want));
    expect(pool.stats().workers).toBe(1);
    expect(pool.stats().tasksOnWorkers).toBeGreaterThan(before); // the worker took part
  });

  it('gives bitwise identical float32 results with 1 and 2 threads, equal to Math.fround', async () => {
    const one = setUp(() => 1);
    const tasks = 64;
    const reps = 50;
    const outputs: Float32Array[] = [];
    for (const { heap, pool, id } of [one, two]) {
      const out = heap.alloc(4 * tasks);
      if (pool.threads > 1) await warmUp(pool, id, out);
      heap.f32.fill(0, out / 4, out / 4 + tasks);
      for (let j = 0; j < 200; j++) pool.run(id, 'decay', tasks, [out, 0.25 * j, reps]);
      outputs.push(heap.f32.slice(out / 4, out / 4 + tasks));
    }
    expect(one.pool.stats().workers).toBe(0);
    const want = new Float32Array(tasks);
    for (let j = 0; j < 200; j++) {
      for (let i = 0; i < tasks; i++) {
        for (let r = 0; r < reps; r++) want[i] = decayStep(want[i], i, 0.25 * j);
      }
    }
    expect(new Uint32Array(outputs[1].buffer)).toEqual(new Uint32Array(outputs[0].buffer));
    expect(Array.from(outputs[0])).toEqual(Array.from(want));
  });

  it('workers see memory grown after they started', async () => {
    const { heap, pool, id } = two;
    await warmUp(pool, id, heap.alloc(64));
    const far = heap.alloc(heap.memory.buffer.byteLength); // forces a grow
    const tasks = 4096;
    pool.run(id, 'store', tasks, [far, 1000]);
    const got = heap.i32.subarray(far / 4, far / 4 + tasks);
    expect(got.every((v, i) => v === 1000 + i)).toBe(true);
    heap.free(far);
  });

  it('raises a trap from any thread as the WebAssembly error, and keeps working', async () => {
    const { heap, pool, id } = two;
    const ptr = heap.alloc(4 * 100);
    await warmUp(pool, id, ptr);
    for (const bad of [0, 57, 99]) {
      expect(() => pool.run(id, 'trap', 100, [bad])).toThrow(WebAssembly.RuntimeError);
    }
    pool.run(id, 'store', 100, [ptr, 5]);
    expect(heap.i32[ptr / 4 + 99]).toBe(104);
  });

  it('runs on the calling thread alone with one thread or one task', () => {
    const { heap, pool, id } = setUp(() => 1);
    const ptr = heap.alloc(4 * 10);
    pool.run(id, 'store', 10, [ptr, -3]);
    expect(Array.from(heap.i32.subarray(ptr / 4, ptr / 4 + 10))).toEqual(
      Array.from({ length: 10 }, (_, i) => i - 3),
    );
    pool.run(id, 'store', 0, [ptr, 100]); // no tasks: nothing written
    expect(heap.i32[ptr / 4]).toBe(-3);
    expect(pool.stats().workers).toBe(0);
  });

  it('resizes lazily when the thread setting changes', async () => {
    let threads = 3;
    const { heap, pool, id } = setUp(() => threads);
    const ptr = heap.alloc(4 * 64);
    pool.run(id, 'store', 64, [ptr, 0]);
    expect(pool.stats().workers).toBe(2);
    threads = 1;
    pool.run(id, 'store', 64, [ptr, 1]);
    expect(pool.stats().workers).toBe(2); // one thread needs no resize
    threads = 2;
    await warmUp(pool, id, ptr);
    expect(pool.stats().workers).toBe(1);
    pool.run(id, 'store', 64, [ptr, 7]);
    expect(heap.i32[ptr / 4 + 63]).toBe(70);
  });

  it('links math.<name> imports to Math on every thread (float64 host functions)', async () => {
    const { heap, pool } = two;
    const mb = new ModuleBuilder().importMemory(heap.memoryImport());
    const exp = mb.importFunc('math', 'exp', ['f64'], ['f64']);
    const f = mb.func(['i32', 'i32', 'i32'], [], (w, [b, e, out]) => {
      const i = w.local('i32');
      w.forLoop(
        i,
        () => w.get(b),
        () => w.get(e),
        1,
        () => {
          w.get(out).get(i).i32(3).op('i32.shl').op('i32.add');
          w.get(i).op('f64.convert_i32_s').f64(0.01).op('f64.mul').call(exp).mem('f64.store');
        },
      );
    });
    mb.export(f, 'expTable');
    const id = pool.register(new WebAssembly.Module(new Uint8Array(mb.build())));
    const tasks = 2048;
    const out = heap.alloc(8 * tasks);
    await warmUp(pool, id, out, () => pool.run(id, 'expTable', 2, [out]));
    const before = pool.stats().tasksOnWorkers;
    // Until the worker has taken part (it may wake too late for any one short job).
    for (let rep = 0; rep < 5000 && pool.stats().tasksOnWorkers === before; rep++) {
      heap.f64.fill(0, out / 8, out / 8 + tasks);
      pool.run(id, 'expTable', tasks, [out]);
    }
    expect(pool.stats().tasksOnWorkers).toBeGreaterThan(before);
    const got = heap.f64.subarray(out / 8, out / 8 + tasks);
    expect(got.every((v, i) => v === Math.exp(i * 0.01))).toBe(true);
    expect(typeof pool.exportsOf(id).expTable).toBe('function');
  });

  it('releases modules by hand or with their owner; workers started later number them alike', async () => {
    let threads = 1;
    const { heap, pool, id } = setUp(() => threads);
    const bytes = testKernels(heap.memoryImport());
    const dropped = pool.register(new WebAssembly.Module(bytes));
    pool.release(dropped);
    expect(() => pool.run(dropped, 'store', 1, [64, 0])).toThrow(
      new RegExp(`pool\\.run: ${dropped} is not the id of a registered module`),
    );
    (() => {
      pool.register(new WebAssembly.Module(bytes), {}); // owner collectable at once
    })();
    const kept = pool.register(new WebAssembly.Module(bytes));
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    for (let i = 0; i < 50; i++) {
      gc();
      await sleep(10);
      try {
        pool.run(kept - 1, 'store', 1, [64, 0]);
      } catch {
        break;
      }
    }
    expect(() => pool.run(kept - 1, 'store', 1, [64, 0])).toThrow(InvalidArgumentError);
    // A worker started now receives the released slots as gaps: module `kept` is still `kept`.
    threads = 2;
    const tasks = 512;
    const ptr = heap.alloc(4 * tasks);
    await warmUp(pool, kept, ptr, () => pool.run(kept, 'store', 2, [ptr, 0]));
    const before = pool.stats().tasksOnWorkers;
    for (let rep = 0; rep < 5000 && pool.stats().tasksOnWorkers === before; rep++) {
      pool.run(kept, 'store', tasks, [ptr, rep]);
    }
    expect(pool.stats().tasksOnWorkers).toBeGreaterThan(before);
    const got = heap.i32.subarray(ptr / 4, ptr / 4 + tasks);
    expect(got.every((v, i) => v === got[0] + i)).toBe(true);
    pool.run(id, 'store', tasks, [ptr, 3]);
    expect(heap.i32[ptr / 4 + 7]).toBe(10);
  });

  it('rejects unknown modules, exports and bad task counts with clear errors', () => {
    const { pool, id } = two;
    expect(() => pool.run(id + 5, 'store', 1, [])).toThrow(InvalidArgumentError);
    expect(() => pool.run(id + 5, 'store', 1, [])).toThrow(
      /pool\.run: \d+ is not the id of a registered module/,
    );
    expect(() => pool.run(id, 'nope', 1, [])).toThrow(
      /module \d+ has no function export "nope"; its function exports are: tally, decay, trap, store/,
    );
    expect(() => pool.run(id, 'store', -1, [])).toThrow(
      /tasks must be a whole number >= 0, got -1/,
    );
    expect(() => pool.run(id, 'store', 2, new Array(40).fill(0))).toThrow(
      /at most 32 kernel arguments, got 40/,
    );
  });
});
