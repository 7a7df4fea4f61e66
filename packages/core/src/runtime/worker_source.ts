// SPDX-License-Identifier: MIT
// The source of a pool worker, as text: it is started from a string (Node `eval: true`, or a
// Blob URL in browsers) so that no separate file has to be shipped or resolved. Kept in plain
// JavaScript that runs unchanged in both; the protocol is described in pool.ts.
import {
  ACTIVE,
  ARGC,
  ARGS_BYTE_OFFSET,
  DONE_BASE,
  EPOCH,
  EXPORT,
  FAILED,
  GEN_BASE,
  MAX_ARGS,
  MODULE,
  NEXT,
  OPEN,
  READY_BASE,
  TASKS,
} from './control.js';

/** Sleep this long on the epoch before yielding to the event loop (to receive new modules). */
const WAIT_MS = 30;
/** Polls of the epoch before sleeping: back-to-back jobs then skip the futex round trip. */
const SPIN = 2000;

export const WORKER_SOURCE = `'use strict';
const wt = globalThis.process?.getBuiltinModule?.('node:worker_threads');
const port = wt ? wt.parentPort : globalThis;
const later = typeof setImmediate === 'function' ? setImmediate : (f) => setTimeout(f, 0);
let ctrl, args, memory, index, gen, seen = 0;
const modules = []; // per registered module: its function exports in declaration order
const imports = () => {
  const math = {};
  for (const k of Object.getOwnPropertyNames(Math)) if (typeof Math[k] === 'function') math[k] = Math[k];
  return { env: { memory }, math };
};
let importObject;

function addModule(module) {
  let fns = null;
  if (module) try {
    const instance = new WebAssembly.Instance(module, importObject);
    fns = WebAssembly.Module.exports(module)
      .filter((e) => e.kind === 'function')
      .map((e) => instance.exports[e.name]);
  } catch (e) {
    fns = null; // this worker never joins jobs of that module; the caller runs them
  }
  modules.push(fns);
  if (Atomics.load(ctrl, ${GEN_BASE} + index) === gen) Atomics.store(ctrl, ${READY_BASE} + index, modules.length);
}

function onMessage(msg) {
  if (msg.type === 'init') {
    memory = msg.memory;
    ctrl = new Int32Array(msg.control);
    args = new Float64Array(msg.control, ${ARGS_BYTE_OFFSET}, ${MAX_ARGS});
    index = msg.index;
    gen = msg.gen;
    importObject = imports();
    seen = Atomics.load(ctrl, ${EPOCH});
    later(loop);
  } else if (msg.type === 'module') {
    addModule(msg.module);
  } else if (msg.type === 'release') {
    modules[msg.id] = null;
  }
}
if (wt) port.on('message', onMessage);
else port.onmessage = (event) => onMessage(event.data);

function stop() {
  if (wt) port.close();
  else globalThis.close();
}

function call(fn, t, a, argc) {
  switch (argc) {
    case 0: return fn(t, t + 1);
    case 1: return fn(t, t + 1, a[0]);
    case 2: return fn(t, t + 1, a[0], a[1]);
    case 3: return fn(t, t + 1, a[0], a[1], a[2]);
    case 4: return fn(t, t + 1, a[0], a[1], a[2], a[3]);
    case 5: return fn(t, t + 1, a[0], a[1], a[2], a[3], a[4]);
    case 6: return fn(t, t + 1, a[0], a[1], a[2], a[3], a[4], a[5]);
    default: return fn(t, t + 1, ...a);
  }
}

// Joins the job of epoch e if it is still open. Returns false when the job's module is not
// instantiated here yet: the caller of join then yields so the posted module can arrive.
function join(e) {
  Atomics.add(ctrl, ${ACTIVE}, 1);
  let ran = 0;
  try {
    // Re-check after announcing ourselves: the caller waits for ACTIVE only after closing the
    // job, so a worker that arrives late must not touch a job that is closed or replaced.
    if (Atomics.load(ctrl, ${OPEN}) !== 1 || Atomics.load(ctrl, ${EPOCH}) !== e) return true;
    const id = Atomics.load(ctrl, ${MODULE});
    const fns = id < modules.length ? modules[id] : undefined;
    if (!fns) return fns === null;
    const fn = fns[Atomics.load(ctrl, ${EXPORT})];
    const tasks = Atomics.load(ctrl, ${TASKS});
    const argc = Atomics.load(ctrl, ${ARGC});
    const a = Array.from(args.subarray(0, argc));
    for (let t = Atomics.add(ctrl, ${NEXT}, 1); t < tasks; t = Atomics.add(ctrl, ${NEXT}, 1)) {
      try {
        call(fn, t, a, argc);
      } catch (err) {
        // The caller re-runs this task on its own thread to raise the real error.
        Atomics.compareExchange(ctrl, ${FAILED}, -1, t);
        Atomics.store(ctrl, ${NEXT}, tasks);
        break;
      }
      ran++;
    }
    return true;
  } finally {
    if (ran > 0) Atomics.add(ctrl, ${DONE_BASE} + index, ran);
    if (Atomics.sub(ctrl, ${ACTIVE}, 1) === 1) Atomics.notify(ctrl, ${ACTIVE});
  }
}

function loop() {
  for (;;) {
    if (Atomics.load(ctrl, ${GEN_BASE} + index) !== gen) return stop();
    let e = Atomics.load(ctrl, ${EPOCH});
    for (let i = 0; e === seen && i < ${SPIN}; i++) e = Atomics.load(ctrl, ${EPOCH});
    if (e === seen) {
      if (Atomics.wait(ctrl, ${EPOCH}, seen, ${WAIT_MS}) === 'timed-out') return later(loop);
      continue;
    }
    seen = e;
    if (!join(e)) return later(loop);
  }
}
`;
