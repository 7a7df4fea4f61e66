// SPDX-License-Identifier: MIT
// Hands out 64-byte aligned blocks of an address space that only grows at the top. Free blocks
// sit in one list sorted by address, merged with their neighbours on free, and a free block that
// reaches the top gives its space back to the top. First fit in address order keeps live blocks
// packed low. Compiled programs allocate one arena each, so the list stays short.
import { InvalidArgumentError } from '../errors.js';

/** Every block starts and ends on this many bytes (a cache line; v128 loads want 16). */
export const ALIGNMENT = 64;

/** Called before the top moves up to `newTop`; throws when the space cannot reach it. */
export type EnsureCapacity = (newTop: number, requestedBytes: number) => void;

export interface AllocatorStats {
  /** Bytes in live blocks (rounded up to the alignment). */
  readonly liveBytes: number;
  readonly liveBlocks: number;
  /** Bytes in free blocks below the top (fragmentation). */
  readonly freeBytes: number;
  readonly freeBlocks: number;
  /** End of the highest block ever live and not given back. */
  readonly top: number;
}

export class FreeListAllocator {
  // Free blocks, sorted by start address, never adjacent to one another or to the top.
  readonly #freeStart: number[] = [];
  readonly #freeSize: number[] = [];
  readonly #live = new Map<number, number>();
  #liveBytes = 0;
  #top: number;

  /** Hands out addresses from `base` (a multiple of the alignment) upwards. */
  constructor(
    base: number,
    private readonly ensure: EnsureCapacity,
  ) {
    this.#top = roundUp(base);
  }

  /** A block of at least `bytes` bytes (0 gives a distinct minimal block). */
  alloc(bytes: number): number {
    if (!Number.isSafeInteger(bytes) || bytes < 0) {
      throw new InvalidArgumentError(
        `heap.alloc: the size must be a whole number of bytes >= 0, got ${bytes}.`,
      );
    }
    const size = roundUp(Math.max(bytes, 1));
    const starts = this.#freeStart;
    const sizes = this.#freeSize;
    for (let i = 0; i < starts.length; i++) {
      if (sizes[i] < size) continue;
      const ptr = starts[i];
      if (sizes[i] === size) {
        starts.splice(i, 1);
        sizes.splice(i, 1);
      } else {
        starts[i] += size;
        sizes[i] -= size;
      }
      return this.#markLive(ptr, size);
    }
    this.ensure(this.#top + size, bytes);
    const ptr = this.#top;
    this.#top += size;
    return this.#markLive(ptr, size);
  }

  /** Returns a block to the free list; freeing anything else is an error. */
  free(ptr: number): void {
    const size = this.#live.get(ptr);
    if (size === undefined) {
      throw new InvalidArgumentError(
        `heap.free: ${ptr} is not the address of a live block (freed twice, or never allocated).`,
      );
    }
    this.#live.delete(ptr);
    this.#liveBytes -= size;
    const starts = this.#freeStart;
    const sizes = this.#freeSize;
    let i = lowerBound(starts, ptr); // first free block after ptr
    let start = ptr;
    let end = ptr + size;
    if (i > 0 && starts[i - 1] + sizes[i - 1] === start) {
      i--;
      start = starts[i];
      starts.splice(i, 1);
      sizes.splice(i, 1);
    }
    if (i < starts.length && starts[i] === end) {
      end += sizes[i];
      starts.splice(i, 1);
      sizes.splice(i, 1);
    }
    if (end === this.#top) {
      this.#top = start;
      return;
    }
    starts.splice(i, 0, start);
    sizes.splice(i, 0, end - start);
  }

  /** The rounded size of a live block, or undefined. */
  sizeOf(ptr: number): number | undefined {
    return this.#live.get(ptr);
  }

  stats(): AllocatorStats {
    let freeBytes = 0;
    for (const s of this.#freeSize) freeBytes += s;
    return {
      liveBytes: this.#liveBytes,
      liveBlocks: this.#live.size,
      freeBytes,
      freeBlocks: this.#freeSize.length,
      top: this.#top,
    };
  }

  #markLive(ptr: number, size: number): number {
    this.#live.set(ptr, size);
    this.#liveBytes += size;
    return ptr;
  }
}

function roundUp(bytes: number): number {
  return Math.ceil(bytes / ALIGNMENT) * ALIGNMENT;
}

/** Index of the first element of sorted `xs` greater than `x`. */
function lowerBound(xs: readonly number[], x: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
