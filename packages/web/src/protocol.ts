// SPDX-License-Identifier: MIT
// The messages between the page and the training worker. The same messages flow when the page
// trains on its own thread (no worker), so the page has one code path for both.

/** The examples the page can train. */
export type ExampleName = 'binary-addition' | 'sine-square' | 'char-rnn';

/** A run's settings: which example, its seed, how many steps at most, and its hyperparameters. */
export interface TrainConfig {
  readonly example: ExampleName;
  readonly seed: number;
  readonly maxSteps: number;
  /** Named hyperparameters (`learningRate`, `hidden`, ...); see `examples.ts` for each example's. */
  readonly hyper: Readonly<Record<string, number>>;
}

/** What the platform running the training offers (core's `runtimeInfo()`, trimmed to plain data). */
export interface RuntimeSummary {
  readonly environment: string;
  readonly wasm: boolean;
  readonly simd: boolean;
  readonly sharedMemory: boolean;
  readonly canCompileWasm: boolean;
  readonly workers: boolean;
  readonly threads: number;
  readonly crossOriginIsolated: boolean | undefined;
}

/** Page → trainer. */
export type ToTrainer =
  | { readonly type: 'start'; readonly config: TrainConfig }
  | { readonly type: 'stop' }
  | { readonly type: 'checkpoint' };

/** Trainer → page. */
export type FromTrainer =
  | { readonly type: 'ready'; readonly runtime: RuntimeSummary }
  | {
      readonly type: 'lowered';
      /** `jitted.lower(...)`'s backend ('wasm', 'js', 'interpreter') and why it was chosen. */
      readonly backend: string;
      readonly backendReason: string;
      /** The traced training step as Graphviz DOT. */
      readonly dot: string;
    }
  | {
      readonly type: 'progress';
      readonly step: number;
      /** Mean training loss over the steps since the last progress message. */
      readonly loss: number;
      /** Held-out accuracy in [0, 1] when evaluated with this message, else null. */
      readonly accuracy: number | null;
      /** Sample outputs (adder sums, classified waves, generated text) when evaluated, else []. */
      readonly samples: readonly string[];
      /** Training steps per second of training time (evaluation excluded). */
      readonly stepsPerSecond: number;
    }
  | { readonly type: 'checkpoint'; readonly bytes: Uint8Array; readonly fileName: string }
  | { readonly type: 'done'; readonly step: number; readonly reason: 'stopped' | 'finished' }
  | { readonly type: 'error'; readonly message: string };
