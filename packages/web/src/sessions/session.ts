// SPDX-License-Identifier: MIT
// A training run the trainer drives one step at a time. Each example builds one from the shared
// browser-safe models of @loom/examples (models/) and its jitted training step (trainStep).
import { jaxprToDot, type Lowered } from '@loom/core';

/** What an evaluation reports: accuracy in [0, 1] (null when the example has none) and samples. */
export interface Evaluation {
  readonly accuracy: number | null;
  readonly samples: readonly string[];
}

/** The jitted step's lowering, as the page shows it. */
export interface LoweringReport {
  readonly backend: string;
  readonly backendReason: string;
  readonly dot: string;
}

/** One run of one example. */
export interface Session {
  /** One optimisation step under jit; returns its loss. */
  step(): number;
  /** Held-out accuracy and sample outputs for the current weights. */
  evaluate(): Evaluation;
  /** How the training step was compiled, and its traced program as Graphviz DOT. */
  lowering(): LoweringReport;
  /** The current weights as safetensors bytes (@loom/nn's `saveCheckpoint`). */
  checkpoint(): Uint8Array;
}

/** The report for a jitted step's `lower(...)`: its backend, why, and the traced step as DOT. */
export function reportLowering(lowered: Lowered, title: string): LoweringReport {
  return {
    backend: lowered.backend,
    backendReason: lowered.backendReason,
    dot: jaxprToDot(lowered.closed.jaxpr, lowered.closed.consts.length, title),
  };
}
