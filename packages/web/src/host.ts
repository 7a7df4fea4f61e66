// SPDX-License-Identifier: MIT
// Where training runs: a Web Worker (the page never freezes), or, when no worker can start, the
// page's own thread in short slices. Both speak the protocol, so the page does not care which.
import { setThreads } from '@loom/core';
import type { FromTrainer, ToTrainer } from './protocol.js';
import { runtimeSummary, Trainer } from './trainer.js';

/** A trainer the page talks to. */
export interface TrainingHost {
  readonly mode: 'worker' | 'main-thread';
  send(message: ToTrainer): void;
}

/** Receives trainer messages. */
export type Listener = (message: FromTrainer) => void;

/** Training slice on the page's thread: short, so clicks and drawing get through. */
const INLINE_SLICE_MS = 30;

/** How long a worker may take to say it is ready before the page gives up on it. */
const WORKER_READY_TIMEOUT_MS = 15_000;

/**
 * Starts the training worker; resolves once it has announced itself, rejects (with the reason)
 * when it cannot be constructed, fails to load, or stays silent.
 */
export function startWorker(listen: Listener): Promise<TrainingHost> {
  return new Promise((resolve, reject) => {
    let worker: Worker;
    try {
      worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' });
    } catch (e) {
      reject(new Error(`new Worker failed: ${(e as Error).message}`));
      return;
    }
    const timer = setTimeout(() => {
      worker.terminate();
      reject(new Error(`the worker did not start within ${WORKER_READY_TIMEOUT_MS / 1000} s`));
    }, WORKER_READY_TIMEOUT_MS);
    let ready = false;
    worker.onerror = (event) => {
      event.preventDefault();
      const reason = event.message || 'its script failed to load';
      if (ready) {
        listen({ type: 'error', message: `worker: ${reason}` });
        return;
      }
      clearTimeout(timer);
      worker.terminate();
      reject(new Error(`the worker failed to start: ${reason}`));
    };
    worker.onmessage = (event: MessageEvent<FromTrainer>) => {
      if (!ready && event.data.type === 'ready') {
        ready = true;
        clearTimeout(timer);
        resolve({ mode: 'worker', send: (message) => worker.postMessage(message) });
      }
      listen(event.data);
    };
  });
}

/**
 * Trains on the page's thread: one thread (a page may not block waiting for worker threads),
 * slices short enough that the page stays usable.
 */
export function startInline(listen: Listener): TrainingHost {
  setThreads(1);
  const trainer = new Trainer((message) => listen(message), INLINE_SLICE_MS);
  queueMicrotask(() => listen({ type: 'ready', runtime: runtimeSummary() }));
  return { mode: 'main-thread', send: (message) => trainer.receive(message) };
}
