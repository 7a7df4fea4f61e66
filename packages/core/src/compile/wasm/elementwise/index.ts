// SPDX-License-Identifier: MIT
// Elementwise emitters for the wasm lowering: `emitOp` and `vectorizable` (ops.ts), the lane
// modes and the host Math imports they may call (context.ts).
export {
  HOST_MATH_ARITY,
  HOST_MATH_FUNCTIONS,
  type HostMathName,
  type Lanes,
  type OpContext,
} from './context.js';
export { ELEMENTWISE_PRIMS, emitOp, vectorizable } from './ops.js';
