// SPDX-License-Identifier: MIT
// Runs a session in time slices: train for a slice, report, give the event loop a turn (so a
// stop message, a checkpoint request or, on the main thread, the page itself gets through), and
// again. The worker and the no-worker fallback both run this loop.
import { runtimeInfo } from '@loom/core';
import type { FromTrainer, RuntimeSummary, ToTrainer, TrainConfig } from './protocol.js';
import { createSession, type Session } from './sessions/index.js';

/** Evaluates (accuracy, samples) at most this often. */
const EVALUATE_EVERY_MS = 500;

/** The platform summary the page shows, as plain data that survives postMessage. */
export function runtimeSummary(): RuntimeSummary {
  const info = runtimeInfo();
  return {
    environment: info.environment,
    wasm: info.wasm,
    simd: info.simd,
    sharedMemory: info.sharedMemory,
    canCompileWasm: info.canCompileWasm,
    workers: info.workers,
    threads: info.threads,
    crossOriginIsolated: info.crossOriginIsolated,
  };
}

const nextTurn = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** The training side of the protocol: feed it page messages, it posts trainer messages. */
export class Trainer {
  #session: Session | undefined;
  #config: TrainConfig | undefined;
  #step = 0;
  #run = 0;

  /**
   * @param post where messages go (the worker's postMessage, or the page's listener)
   * @param sliceMs how long to train before reporting and yielding: long in a worker, short on
   *   the page's own thread so it stays responsive
   */
  constructor(
    private readonly post: (message: FromTrainer, transfer?: Transferable[]) => void,
    private readonly sliceMs = 100,
  ) {}

  /** Handles one message from the page. */
  receive(message: ToTrainer): void {
    switch (message.type) {
      case 'start':
        void this.#train(message.config);
        break;
      case 'stop':
        this.#run++; // the running loop sees a newer run number and ends
        break;
      case 'checkpoint':
        this.#sendCheckpoint();
        break;
    }
  }

  #sendCheckpoint(): void {
    if (!this.#session || !this.#config) {
      this.post({ type: 'error', message: 'checkpoint: nothing has been trained yet' });
      return;
    }
    const bytes = this.#session.checkpoint();
    const fileName = `loom-${this.#config.example}-step${this.#step}.safetensors`;
    this.post({ type: 'checkpoint', bytes, fileName }, [bytes.buffer as ArrayBuffer]);
  }

  async #train(config: TrainConfig): Promise<void> {
    const run = ++this.#run;
    try {
      const session = createSession(config);
      this.#session = session;
      this.#config = config;
      this.#step = 0;
      this.post({ type: 'lowered', ...session.lowering() });
      let trainingMs = 0;
      let lastEvaluation = Number.NEGATIVE_INFINITY;
      while (run === this.#run && this.#step < config.maxSteps) {
        const sliceStart = performance.now();
        let sum = 0;
        let count = 0;
        do {
          sum += session.step();
          count++;
          this.#step++;
        } while (performance.now() - sliceStart < this.sliceMs && this.#step < config.maxSteps);
        trainingMs += performance.now() - sliceStart;
        const now = performance.now();
        const evaluateNow =
          now - lastEvaluation >= EVALUATE_EVERY_MS || this.#step >= config.maxSteps;
        const evaluation = evaluateNow ? session.evaluate() : { accuracy: null, samples: [] };
        if (evaluateNow) lastEvaluation = now;
        this.post({
          type: 'progress',
          step: this.#step,
          loss: sum / count,
          accuracy: evaluation.accuracy,
          samples: evaluation.samples,
          stepsPerSecond: (this.#step * 1000) / trainingMs,
        });
        await nextTurn();
      }
      this.post({
        type: 'done',
        step: this.#step,
        reason: run === this.#run ? 'finished' : 'stopped',
      });
    } catch (e) {
      const error = e as Error;
      this.post({ type: 'error', message: `${error.name}: ${error.message}` });
    }
  }
}
