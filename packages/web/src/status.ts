// SPDX-License-Identifier: MIT
// The page's state as one plain object, published as `window.loomPage` for scripts and tests
// (and mirrored in data attributes on #status), so a test never scrapes rendered text.
import type { ExampleName, RuntimeSummary } from './protocol.js';

/** Everything the page knows about the current run. */
export interface PageStatus {
  /** idle: nothing started; training; stopped (by the user); finished (max steps); error. */
  state: 'starting' | 'idle' | 'training' | 'stopped' | 'finished' | 'error';
  /** Where training runs (null until the host has started). */
  mode: 'worker' | 'main-thread' | null;
  example: ExampleName;
  step: number;
  loss: number | null;
  /** The latest held-out accuracy in [0, 1], or null. */
  accuracy: number | null;
  stepsPerSecond: number | null;
  samples: readonly string[];
  /** Points on the loss and accuracy charts. */
  chartPoints: { loss: number; accuracy: number };
  /** jit's backend for the training step and why (from `lower()`). */
  backend: string | null;
  backendReason: string | null;
  /** 'svg' when Graphviz drew the step, 'text' when the DOT source is shown instead. */
  graph: 'svg' | 'text' | null;
  /** What the trainer's platform offers (core's `runtimeInfo()`). */
  runtime: RuntimeSummary | null;
  /** Every notice shown, by key (threads-off, no-wasm, no-worker, ...). */
  notices: Record<string, string>;
  /** The last error message, if any. */
  error: string | null;
}

declare global {
  interface Window {
    /** The live training page's status (see packages/web/README.md). */
    loomPage?: PageStatus;
  }
}
