// SPDX-License-Identifier: MIT
// What every system (Loom eager, Loom jit, hand-written, TensorFlow.js) provides for a workload,
// so the trajectory check and the timing loop are written once.

/** Named parameter arrays, row-major, [in, out] for weight matrices. */
export type Weights = Record<string, Float32Array>;

/** One system's training loop for one workload, built from shared initial weights and data. */
export interface Trainer {
  /** Runs one training step on the i-th pre-generated batch (cycling). */
  step(i: number): void;
  /** The loss of the most recent step, read back to the host. */
  loss(): number;
  /** The current parameters, read back to the host. */
  weights(): Weights;
  /** Frees what the system cannot garbage-collect (TensorFlow.js tensors). */
  dispose(): void;
}

/** One system's forward pass (inference only) for one workload. */
export interface Predictor {
  /** Runs the forward pass on the i-th pre-generated input and returns the outputs on the host. */
  predict(i: number): ArrayLike<number>;
  dispose(): void;
}
