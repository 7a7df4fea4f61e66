// SPDX-License-Identifier: MIT
import { InvalidArgumentError } from '@loom/core';

/**
 * A bad option, argument or input file given to a `@loom/datasets` function.
 *
 * Every message names the function, the option, the offending value and what is allowed, because
 * a dataset is usually built far from where its tensors finally fail to line up.
 */
export class DatasetError extends InvalidArgumentError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message);
    // LoomError's constructor takes no options, so the cause is attached by hand.
    if (options && 'cause' in options) this.cause = options.cause;
  }
}

/** Renders a bad value for a message: strings quoted, NaN/undefined/objects recognisable. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') {
    return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  }
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (value === undefined || value === null) return String(value);
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (ArrayBuffer.isView(value)) return `a ${value.constructor.name}`;
  return `a value of type ${typeof value}`;
}

/** The standard "fn: option must be …; got …." error. */
export function optionError(fn: string, option: string, value: unknown, allowed: string) {
  return new DatasetError(`${fn}: ${option} must be ${allowed}; got ${showValue(value)}.`);
}
