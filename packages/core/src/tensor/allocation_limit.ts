// SPDX-License-Identifier: MIT
// A soft cap on single typed-array allocations: a shape typo such as [2 ** 33] should be a typed
// error naming the op, not a raw V8 RangeError, and 2^31 float32 elements should not silently
// take 8 GB. The check is one comparison per allocation.
import { AllocationError, InvalidArgumentError } from '../errors.js';

/** 4 GiB: above any single buffer a Loom model needs, below what makes a machine swap. */
export const DEFAULT_ALLOCATION_LIMIT = 4 * 2 ** 30;

function parseLimit(source: string, value: unknown): number {
  const bytes = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof bytes !== 'number' || !Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new InvalidArgumentError(
      `${source}: the allocation limit must be a positive whole number of bytes ` +
        `(at most 2^53 - 1), got ${JSON.stringify(value)}.`,
    );
  }
  return bytes;
}

function initialLimit(): number {
  const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process
    ?.env?.LOOM_MAX_ALLOCATION;
  return env === undefined ? DEFAULT_ALLOCATION_LIMIT : parseLimit('LOOM_MAX_ALLOCATION', env);
}

let limit = initialLimit();

/**
 * Sets the largest single tensor buffer, in bytes, Loom will allocate (default 4 GiB, or the
 * environment variable LOOM_MAX_ALLOCATION). Returns the previous limit so tests and callers
 * can restore it.
 */
export function setAllocationLimit(bytes: number): number {
  const previous = limit;
  limit = parseLimit('setAllocationLimit', bytes);
  return previous;
}

/** The current allocation limit in bytes. */
export function allocationLimit(): number {
  return limit;
}

/** Formats a byte count exactly and in binary units, e.g. `34359738368 bytes (32 GiB)`. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  const short = u === 0 ? '' : ` (${Number.isInteger(v) ? v : v.toPrecision(3)} ${units[u]})`;
  return `${bytes} bytes${short}`;
}

/** What is being allocated, for the message. */
export interface AllocationSite {
  op: string;
  shape?: readonly number[];
  dtype: string;
  size: number;
  bytesPerElement: number;
}

function describe(site: AllocationSite): string {
  const shape = site.shape ? `[${site.shape.join(', ')}]` : `[${site.size}]`;
  return `${site.op}: a ${site.dtype}${shape} buffer (${site.size} elements, ${formatBytes(
    site.size * site.bytesPerElement,
  )})`;
}

/** Throws AllocationError when `site` is over the limit or not a valid element count. */
export function checkAllocation(site: AllocationSite): void {
  const bytes = site.size * site.bytesPerElement;
  if (!Number.isSafeInteger(site.size) || site.size < 0) {
    throw new AllocationError(
      `${describe(site)}: the element count is not a non-negative safe integer.`,
    );
  }
  if (bytes > limit) {
    throw new AllocationError(
      `${describe(site)} exceeds the allocation limit of ${formatBytes(limit)}. Check the ` +
        'shape; if it is intended, raise the limit with setAllocationLimit(bytes) or the ' +
        'environment variable LOOM_MAX_ALLOCATION.',
    );
  }
}

/** Rethrows the engine's own refusal (a RangeError) as AllocationError naming the site. */
export function engineRefused(site: AllocationSite, e: unknown): AllocationError {
  return new AllocationError(
    `${describe(site)} could not be allocated by the JavaScript engine ` +
      `(${(e as Error).message}); it is within the allocation limit of ${formatBytes(limit)}, ` +
      'so the engine or the machine is the bound.',
  );
}
