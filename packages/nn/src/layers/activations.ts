// SPDX-License-Identifier: MIT
// Activations live in core (they are composites of primitives); nn re-exports them so that a
// model can import everything it needs from one place.
import { InvalidArgumentError, relu, sigmoid, type Tensor, tanh } from '@loom/core';

export {
  elu,
  gelu,
  leakyRelu,
  logSoftmax,
  relu,
  sigmoid,
  silu,
  softmax,
  softplus,
  tanh,
} from '@loom/core';

/** The activations a recurrent cell can be configured with, by name (static config). */
export type ActivationName = 'tanh' | 'sigmoid' | 'relu';

/** The function behind an activation name. */
export function activation(name: ActivationName): (x: Tensor) => Tensor {
  switch (name) {
    case 'tanh':
      return tanh;
    case 'sigmoid':
      return sigmoid;
    case 'relu':
      return relu;
  }
  // Unreachable for typed callers; configs may come from JSON, so say what went wrong.
  throw new InvalidArgumentError(
    `activation: unknown activation ${JSON.stringify(name)}; use 'tanh', 'sigmoid' or 'relu'.`,
  );
}
