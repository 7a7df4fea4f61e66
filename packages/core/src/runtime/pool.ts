// SPDX-License-Identifier: MIT
// A worker pool sharing the heap's memory, synchronous from the caller's view.
//
// Each job is `exports[name](begin, end, ...args)` over task indices [0, tasks). Every thread,
// the caller included, claims task indices one at a time with Atomics.add on a shared counter,
// so which thread ran a task never changes what the task computes. Workers start lazily and are
// never waited for: the calling thread does every task no worker has claimed, so a job costs no
// more than a serial call while workers are still starting (45-120 ms).
//
// Protocol on the control block (control.ts), avoiding lost wake-ups and late workers:
//   caller: write job fields; OPEN = 1; EPOCH += 1; notify(EPOCH); claim tasks; OPEN = 0;
//           wait until ACTIVE == 0.
//   worker: wake on EPOCH change; ACTIVE += 1; if OPEN == 1 and EPOCH unchanged, claim tasks;
//           ACTIVE -= 1 (notify at 0).
// A worker that announces itself after the caller closed the job sees OPEN == 0 (or a newer
// epoch) and leaves without touching anything; one inside the job holds ACTIVE, so the caller
// cannot return (or start writing the next job) before it is done.
import { InvalidArgumentError, LoomError } from '../errors.js';
import {
  ACTIVE,
  ARGC,
  ARGS_BYTE_OFFSET,
  CONTROL_BYTES,
  DONE_BASE,
  EPOCH,
  EXPORT,
  FAILED,
  GEN_BASE,
  MAX_ARGS,
  MAX_WORKERS,
  MODULE,
  NEXT,
  OPEN,
  READY_BASE,
  TASKS,
} from './control.js';
import { nodeBuiltin, nodeVersion } from './env.js';
import { features } from './features.js';
import { heap as processHeap, type WasmHeap } from './heap.js';
import { getThreads, noteWorkerFailure } from './threads.js';
import { WORKER_SOURCE } from './worker_source.js';

export interface ThreadPool {
  /** Threads jobs are split over, the calling thread included. */
  readonly threads: number;
  /** Instantiates `module` on the calling thread now (env.memory = the heap's memory) and posts
   * it to each worker once; returns the id `run` takes. */
  register(module: WebAssembly.Module): number;
  /** Calls `exports[exportName](begin, end, ...args)` over [0, tasks) split among the threads;
   * returns when every task is done. */
  run(id: number, exportName: string, tasks: number, args: readonly number[]): void;
}

/** A kernel export: `(taskBegin, taskEnd, ...args)`. */
type Kernel = (begin: number, end: number, ...args: number[]) => unknown;

interface Registered {
  readonly module: WebAssembly.Module;
  readonly exports: WebAssembly.Exports;
  readonly names: readonly string[];
  readonly kernels: readonly Kernel[];
}

interface WorkerHandle {
  readonly index: number;
  post(message: unknown): void;
}

export interface PoolOptions {
  /** The heap whose memory modules import; default the process-wide heap. */
  readonly heap?: WasmHeap;
  /** The wanted thread count, read on every run; default `getThreads`. */
  readonly threads?: () => number;
  /** Told once when a worker cannot start or fails (the process pool tells `runtimeInfo`). */
  readonly onWorkerFailure?: (reason: string) => void;
}

export interface PoolStats {
  /** Workers started (and not stopped). */
  readonly workers: number;
  /** Per worker: registered modules it has instantiated. */
  readonly ready: readonly number[];
  /** Tasks run by workers (not the caller) since the pool started. */
  readonly tasksOnWorkers: number;
  /** Why workers could not start, if they could not. */
  readonly workerError: string | undefined;
}

/** Iterations of polling ACTIVE before sleeping on it (a notify round trip is 1.3-1.9 µs). */
const SPIN_BEFORE_WAIT = 4000;

/** Math functions, importable by kernels as `math.<name>` (float64 transcendentals). */
function mathImports(): WebAssembly.ModuleImports {
  const math: WebAssembly.ModuleImports = {};
  for (const k of Object.getOwnPropertyNames(Math)) {
    const v = (Math as unknown as Record<string, unknown>)[k];
    if (typeof v === 'function') math[k] = v as (...xs: number[]) => number;
  }
  return math;
}

function callKernel(fn: Kernel, begin: number, end: number, a: readonly number[]): void {
  switch (a.length) {
    case 0:
      fn(begin, end);
      return;
    case 1:
      fn(begin, end, a[0]);
      return;
    case 2:
      fn(begin, end, a[0], a[1]);
      return;
    case 3:
      fn(begin, end, a[0], a[1], a[2]);
      return;
    case 4:
      fn(begin, end, a[0], a[1], a[2], a[3]);
      return;
    default:
      fn(begin, end, ...a);
  }
}

/** Whether this thread may block in Atomics.wait (not a browser's main thread). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

interface NodeWorker {
  postMessage(message: unknown): void;
  unref(): void;
  on(event: 'error', listener: (error: unknown) => void): void;
}
interface NodeWorkerThreads {
  Worker: new (source: string, options: { eval: true }) => NodeWorker;
}
interface BrowserWorker {
  postMessage(message: unknown): void;
  onerror: ((event: unknown) => void) | null;
}
interface BrowserGlobals {
  Worker?: new (url: string) => BrowserWorker;
  Blob?: new (parts: string[], options: { type: string }) => unknown;
  URL?: { createObjectURL(blob: unknown): string };
}

export class WorkerPool implements ThreadPool {
  readonly #heap: WasmHeap;
  readonly #wantedThreads: () => number;
  readonly #modules: (Registered | undefined)[] = [];
  // Modules registered with an owner are released when the owner is garbage collected.
  readonly #releaser = new FinalizationRegistry<number>((id) => this.release(id));
  readonly #workers: WorkerHandle[] = [];
  #control: SharedArrayBuffer | undefined;
  #ctrl: Int32Array<ArrayBufferLike> = new Int32Array(0);
  #args: Float64Array<ArrayBufferLike> = new Float64Array(0);
  #importObject: WebAssembly.Imports | undefined;
  #canBlock: boolean | undefined;
  #workerError: string | undefined;

  #onWorkerFailure: ((reason: string) => void) | undefined;

  constructor(options: PoolOptions = {}) {
    this.#heap = options.heap ?? processHeap;
    this.#wantedThreads = options.threads ?? getThreads;
    this.#onWorkerFailure = options.onWorkerFailure;
  }

  get threads(): number {
    if (this.#workerError !== undefined || !this.#heap.shared || !features().workers) return 1;
    return Math.min(this.#wantedThreads(), MAX_WORKERS + 1);
  }

  /**
   * Instantiates `module` here and on every worker; returns its id. With an `owner` (a compiled
   * program), the module is released once the owner is garbage collected.
   */
  register(module: WebAssembly.Module, owner?: object): number {
    this.#importObject ??= { env: { memory: this.#heap.memory }, math: mathImports() };
    const exports = new WebAssembly.Instance(module, this.#importObject).exports;
    const names = WebAssembly.Module.exports(module)
      .filter((e) => e.kind === 'function')
      .map((e) => e.name);
    const kernels = names.map((n) => exports[n] as Kernel);
    const id = this.#modules.push({ module, exports, names, kernels }) - 1;
    for (const w of this.#workers) w.post({ type: 'module', module });
    if (owner !== undefined) this.#releaser.register(owner, id);
    return id;
  }

  /** Drops module `id` here and on the workers; its id is never reused. */
  release(id: number): void {
    this.#registered(id, 'release');
    this.#modules[id] = undefined;
    for (const w of this.#workers) w.post({ type: 'release', id });
  }

  /** The calling thread's instance exports of module `id` (for serial calls). */
  exportsOf(id: number): WebAssembly.Exports {
    return this.#registered(id, 'exportsOf').exports;
  }

  run(id: number, exportName: string, tasks: number, args: readonly number[]): void {
    const entry = this.#registered(id, 'run');
    const exportIdx = entry.names.indexOf(exportName);
    if (exportIdx < 0) {
      throw new InvalidArgumentError(
        `pool.run: module ${id} has no function export "${exportName}"; ` +
          `its function exports are: ${entry.names.join(', ') || '(none)'}.`,
      );
    }
    if (!Number.isSafeInteger(tasks) || tasks < 0) {
      throw new InvalidArgumentError(
        `pool.run: tasks must be a whole number >= 0, got ${tasks} (export "${exportName}").`,
      );
    }
    if (args.length > MAX_ARGS) {
      throw new InvalidArgumentError(
        `pool.run: at most ${MAX_ARGS} kernel arguments, got ${args.length} (export "${exportName}").`,
      );
    }
    const kernel = entry.kernels[exportIdx];
    if (tasks === 0) return;
    const threads = tasks > 1 ? this.threads : 1;
    if (threads > 1) this.#resize(threads - 1);
    if (threads <= 1 || !this.#someWorkerHas(id)) {
      callKernel(kernel, 0, tasks, args);
      return;
    }
    this.#runShared(id, exportIdx, kernel, tasks, args);
  }

  stats(): PoolStats {
    let tasksOnWorkers = 0;
    for (let w = 0; w < MAX_WORKERS && this.#control; w++) {
      tasksOnWorkers += Atomics.load(this.#ctrl, DONE_BASE + w);
    }
    return {
      workers: this.#workers.length,
      ready: this.#workers.map((w) => Atomics.load(this.#ctrl, READY_BASE + w.index)),
      tasksOnWorkers,
      workerError: this.#workerError,
    };
  }

  #registered(id: number, op: string): Registered {
    const entry = Number.isInteger(id) ? this.#modules[id] : undefined;
    if (entry === undefined) {
      throw new InvalidArgumentError(
        `pool.${op}: ${id} is not the id of a registered module (ids come from pool.register; ` +
          `${this.#modules.length} were given out, released ones are gone).`,
      );
    }
    return entry;
  }

  #someWorkerHas(id: number): boolean {
    for (const w of this.#workers)
      if (Atomics.load(this.#ctrl, READY_BASE + w.index) > id) return true;
    return false;
  }

  #runShared(
    id: number,
    exportIdx: number,
    kernel: Kernel,
    tasks: number,
    args: readonly number[],
  ): void {
    const c = this.#ctrl;
    Atomics.store(c, NEXT, 0);
    Atomics.store(c, TASKS, tasks);
    Atomics.store(c, MODULE, id);
    Atomics.store(c, EXPORT, exportIdx);
    Atomics.store(c, ARGC, args.length);
    Atomics.store(c, FAILED, -1);
    for (let i = 0; i < args.length; i++) this.#args[i] = args[i];
    Atomics.store(c, OPEN, 1); // publishes the fields above (sequentially consistent)
    Atomics.add(c, EPOCH, 1);
    Atomics.notify(c, EPOCH);
    try {
      for (let t = Atomics.add(c, NEXT, 1); t < tasks; t = Atomics.add(c, NEXT, 1)) {
        callKernel(kernel, t, t + 1, args);
      }
    } catch (error) {
      Atomics.store(c, NEXT, tasks); // workers stop claiming
      throw error;
    } finally {
      Atomics.store(c, OPEN, 0);
      this.#waitIdle();
    }
    const failed = Atomics.load(c, FAILED);
    if (failed >= 0) {
      // Kernels are deterministic: re-running the task here raises the worker's error itself.
      callKernel(kernel, failed, failed + 1, args);
      throw new LoomError(
        `pool.run: task ${failed} of export "${this.#registered(id, 'run').names[exportIdx]}" (module ${id}) ` +
          'failed on a worker but succeeded when re-run on the calling thread.',
      );
    }
  }

  #waitIdle(): void {
    const c = this.#ctrl;
    this.#canBlock ??= canBlock();
    for (let spins = 0; ; spins++) {
      const active = Atomics.load(c, ACTIVE);
      if (active === 0) return;
      // A browser's main thread may not block: it keeps polling (workers finish their task).
      if (spins >= SPIN_BEFORE_WAIT && this.#canBlock) Atomics.wait(c, ACTIVE, active, 1000);
    }
  }

  /** Starts or stops workers so that `count` run; never waits for them to start. */
  #resize(count: number): void {
    if (this.#workers.length === count) return;
    if (this.#control === undefined) {
      this.#control = new SharedArrayBuffer(CONTROL_BYTES);
      this.#ctrl = new Int32Array(this.#control);
      this.#args = new Float64Array(this.#control, ARGS_BYTE_OFFSET, MAX_ARGS);
    }
    while (this.#workers.length > count) {
      const w = this.#workers.pop() as WorkerHandle;
      Atomics.add(this.#ctrl, GEN_BASE + w.index, 1); // it exits at its next look
      Atomics.store(this.#ctrl, READY_BASE + w.index, 0);
      Atomics.notify(this.#ctrl, EPOCH);
    }
    while (this.#workers.length < count) {
      const index = this.#workers.length;
      const gen = Atomics.add(this.#ctrl, GEN_BASE + index, 1) + 1;
      Atomics.store(this.#ctrl, READY_BASE + index, 0);
      const handle = this.#spawn(index);
      if (handle === undefined) return;
      handle.post({
        type: 'init',
        memory: this.#heap.memory,
        control: this.#control,
        index,
        gen,
      });
      // Released modules are posted as null so every worker numbers modules as the caller does.
      for (const m of this.#modules) handle.post({ type: 'module', module: m?.module ?? null });
      this.#workers.push(handle);
    }
  }

  #spawn(index: number): WorkerHandle | undefined {
    try {
      if (nodeVersion() !== undefined) {
        const wt = nodeBuiltin<NodeWorkerThreads>('node:worker_threads');
        if (wt === undefined) throw new Error('node:worker_threads is unavailable');
        const worker = new wt.Worker(WORKER_SOURCE, { eval: true });
        worker.unref(); // a finished program exits without waiting for idle workers
        worker.on('error', (e) => this.#workerFailed(index, e));
        return { index, post: (m) => worker.postMessage(m) };
      }
      const g = globalThis as BrowserGlobals;
      if (!g.Worker || !g.Blob || !g.URL) throw new Error('no Worker, Blob or URL global');
      const url = g.URL.createObjectURL(new g.Blob([WORKER_SOURCE], { type: 'text/javascript' }));
      const worker = new g.Worker(url);
      worker.onerror = (e) => this.#workerFailed(index, e);
      return { index, post: (m) => worker.postMessage(m) };
    } catch (e) {
      // A CSP without `worker-src blob:` and similar: run single-threaded from now on.
      this.#noteFailure(`starting worker ${index} failed: ${String(e)}`);
      return undefined;
    }
  }

  #workerFailed(index: number, error: unknown): void {
    // The worker is gone; its slot reads as not ready, so no job waits on it.
    const i = this.#workers.findIndex((w) => w.index === index);
    if (i >= 0) {
      Atomics.add(this.#ctrl, GEN_BASE + index, 1);
      Atomics.store(this.#ctrl, READY_BASE + index, 0);
    }
    this.#noteFailure(`worker ${index} failed: ${errorText(error)}`);
  }

  #noteFailure(reason: string): void {
    if (this.#workerError === undefined) this.#onWorkerFailure?.(reason);
    this.#workerError ??= reason;
  }
}

let processPool: WorkerPool | undefined;

/** The process-wide pool over the process-wide heap, following `setThreads`. */
export function pool(): WorkerPool {
  processPool ??= new WorkerPool({ onWorkerFailure: noteWorkerFailure });
  return processPool;
}

/** A worker error event's message (a browser ErrorEvent stringifies as "[object Event]"). */
function errorText(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' && message !== '' ? message : String(error);
}
