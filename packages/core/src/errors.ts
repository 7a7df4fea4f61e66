// SPDX-License-Identifier: MIT
/**
 * Typed errors. Every message names the operation, the full shapes/dtypes or tree paths involved,
 * and what to do about it, because a bare "shape mismatch" deep inside a traced RNN is useless.
 */

/** Base class of every error Loom raises on purpose. */
export class LoomError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Operand shapes that the operation cannot accept together. */
export class ShapeError extends LoomError {}

/** A dtype the operation does not accept (e.g. `grad` with respect to an int32 input). */
export class DtypeError extends LoomError {}

/** Two pytrees that should have the same structure do not. */
export class TreeStructureError extends LoomError {}

/** A tracer used outside the transformation that created it. */
export class TracerLeakError extends LoomError {}

/** A concrete value was needed (e.g. `item()`) but only an abstract traced value exists. */
export class ConcretizationError extends LoomError {}

/** `grad` of a function whose output is not a scalar. */
export class NonScalarOutputError extends LoomError {}

/** A bad argument that is not about shapes, dtypes or trees (argnums, options, ranges). */
export class InvalidArgumentError extends LoomError {}

/** An operation or rule that does not exist for this primitive/transformation combination. */
export class NotDifferentiableError extends LoomError {}

/**
 * An integer index or class label outside the valid range of the axis it selects from (take,
 * oneHot, embedding, sparse losses). The message names the op, the value, where it sits (flat
 * and multi-index) and the valid range.
 */
export class IndexError extends InvalidArgumentError {}

/**
 * An allocation larger than the configured limit (`setAllocationLimit`, env
 * LOOM_MAX_ALLOCATION) or than the JavaScript engine can provide; names the op, shape, dtype
 * and bytes.
 */
export class AllocationError extends LoomError {}

/**
 * With `config.update('debugNans', true)` (or LOOM_DEBUG_NANS=1): a primitive produced NaN or
 * ±Infinity from finite inputs. The message names the primitive, its input and output shapes and
 * dtypes, and the user's call site.
 */
export class FloatingPointError extends LoomError {}
