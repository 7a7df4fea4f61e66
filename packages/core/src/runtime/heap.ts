// SPDX-License-Identifier: MIT
// The one WebAssembly.Memory every generated module imports as `env.memory`, with an allocator.
// Shared (on a SharedArrayBuffer, so workers see it) when the platform allows, which makes a
// maximum mandatory: 65536 pages, the whole 4 GiB of memory32, reserved as address space only.
//
// Views: growing a non-shared memory detaches every view of the old buffer, and growing a shared
// one leaves old views at their old length. So the view getters re-derive from `memory.buffer`
// whenever it changed; callers must never keep a view across anything that may allocate.
import { AllocationError } from '../errors.js';
import { type AllocatorStats, FreeListAllocator } from './allocator.js';
import { features } from './features.js';

export const PAGE_BYTES = 65536;
/** memory32 addresses 2^32 bytes: 65536 pages. */
export const MAX_PAGES = 65536;
const DEFAULT_INITIAL_BYTES = 16 * 2 ** 20;
/** Address 0 stays unused, so 0 can mean "no block". */
const FIRST_ADDRESS = 64;

export interface HeapOptions {
  /** Initial size in bytes (rounded up to pages); default 16 MiB. */
  readonly initialBytes?: number;
  /** Share the memory with workers; default: whether the platform supports shared memory. */
  readonly shared?: boolean;
  /** Largest size in pages; default 65536 (4 GiB). */
  readonly maximumPages?: number;
}

/** How a generated module declares its `env.memory` import so it links to this heap. */
export interface MemoryImportType {
  readonly initial: number;
  readonly maximum: number;
  readonly shared: boolean;
}

export interface HeapStats extends AllocatorStats {
  /** Current size of the memory in bytes. */
  readonly byteLength: number;
  readonly shared: boolean;
}

/** A wasm memory plus a 64-byte aligned allocator over it. The memory is created on first use. */
export class WasmHeap {
  readonly #options: HeapOptions;
  #memory: WebAssembly.Memory | undefined;
  #shared = false;
  #maximumPages = MAX_PAGES;
  #buffer: ArrayBufferLike | undefined;
  #f32 = new Float32Array(0);
  #f64 = new Float64Array(0);
  #i32 = new Int32Array(0);
  #u32 = new Uint32Array(0);
  #u8 = new Uint8Array(0);
  readonly #allocator = new FreeListAllocator(FIRST_ADDRESS, (top, bytes) =>
    this.#ensure(top, bytes),
  );
  // Blocks tied to the lifetime of an object: freed when it is garbage collected.
  readonly #owned = new FinalizationRegistry<number>((ptr) => this.#freeCollected(ptr));
  readonly #ownedTokens = new Map<number, object>();

  constructor(options: HeapOptions = {}) {
    this.#options = options;
  }

  /** The memory that every module imports as `env.memory`. */
  get memory(): WebAssembly.Memory {
    if (this.#memory === undefined) this.#memory = this.#create();
    return this.#memory;
  }

  /** Whether the memory lives on a SharedArrayBuffer (so workers can use it). */
  get shared(): boolean {
    void this.memory;
    return this.#shared;
  }

  /** The import type generated modules declare for `env.memory` (e.g. `ModuleBuilder.importMemory`). */
  memoryImport(): MemoryImportType {
    void this.memory;
    return { initial: 1, maximum: this.#maximumPages, shared: this.#shared };
  }

  /** A 64-byte aligned block of at least `bytes` bytes; grows the memory when needed. */
  alloc(bytes: number): number {
    void this.memory;
    return this.#allocator.alloc(bytes);
  }

  /** Returns a block from `alloc` (or `allocOwned`) to the heap. */
  free(ptr: number): void {
    this.#allocator.free(ptr);
    const token = this.#ownedTokens.get(ptr);
    if (token !== undefined) {
      this.#ownedTokens.delete(ptr);
      this.#owned.unregister(token);
    }
  }

  /**
   * A block freed automatically once `owner` is garbage collected (a compiled program's arena),
   * so users never dispose anything. An explicit `free` before that is allowed.
   */
  allocOwned(owner: object, bytes: number): number {
    const ptr = this.alloc(bytes);
    const token = {};
    this.#ownedTokens.set(ptr, token);
    this.#owned.register(owner, ptr, token);
    return ptr;
  }

  /** The rounded size of a live block, or undefined. */
  sizeOf(ptr: number): number | undefined {
    return this.#allocator.sizeOf(ptr);
  }

  stats(): HeapStats {
    return {
      ...this.#allocator.stats(),
      byteLength: this.memory.buffer.byteLength,
      shared: this.#shared,
    };
  }

  get f32(): Float32Array {
    this.#refreshViews();
    return this.#f32;
  }

  get f64(): Float64Array {
    this.#refreshViews();
    return this.#f64;
  }

  get i32(): Int32Array {
    this.#refreshViews();
    return this.#i32;
  }

  get u32(): Uint32Array {
    this.#refreshViews();
    return this.#u32;
  }

  get u8(): Uint8Array {
    this.#refreshViews();
    return this.#u8;
  }

  #refreshViews(): void {
    const buffer = this.memory.buffer;
    if (buffer === this.#buffer) return;
    this.#buffer = buffer;
    this.#f32 = new Float32Array(buffer);
    this.#f64 = new Float64Array(buffer);
    this.#i32 = new Int32Array(buffer);
    this.#u32 = new Uint32Array(buffer);
    this.#u8 = new Uint8Array(buffer);
  }

  #create(): WebAssembly.Memory {
    const initialBytes = this.#options.initialBytes ?? DEFAULT_INITIAL_BYTES;
    const maximum = Math.min(this.#options.maximumPages ?? MAX_PAGES, MAX_PAGES);
    const initial = Math.min(Math.max(1, Math.ceil(initialBytes / PAGE_BYTES)), maximum);
    const shared = this.#options.shared ?? features().sharedMemory;
    if (shared) {
      // Reserving 4 GiB of address space can fail (32-bit hosts, tight ulimits): ask for less.
      for (let max = maximum; max >= initial; max = Math.floor(max / 4)) {
        try {
          const memory = new WebAssembly.Memory({ initial, maximum: max, shared: true });
          this.#shared = true;
          this.#maximumPages = max;
          return memory;
        } catch {
          // try a smaller reservation
        }
      }
    }
    this.#shared = false;
    this.#maximumPages = maximum;
    return new WebAssembly.Memory({ initial, maximum });
  }

  /** Grows the memory so that bytes [0, top) exist; `requested` is for the error message. */
  #ensure(top: number, requested: number): void {
    const memory = this.memory;
    const pages = memory.buffer.byteLength / PAGE_BYTES;
    const needed = Math.ceil(top / PAGE_BYTES);
    if (needed <= pages) return;
    const limitBytes = this.#maximumPages * PAGE_BYTES;
    if (needed > this.#maximumPages) {
      throw new AllocationError(
        `heap.alloc: cannot allocate ${requested} bytes: the wasm heap would need ${top} bytes, ` +
          `more than its limit of ${limitBytes} bytes (${this.#maximumPages} pages of 64 KiB; ` +
          `32-bit wasm memory addresses at most 4 GiB). ${this.#usage()} Programs this large ` +
          'must run on the JavaScript backend.',
      );
    }
    // Grow by half again at least, so a sequence of allocations grows the memory O(log n) times.
    const target = Math.min(this.#maximumPages, Math.max(needed, Math.ceil(pages * 1.5)));
    try {
      memory.grow(target - pages);
    } catch {
      try {
        memory.grow(needed - pages);
      } catch (e) {
        throw new AllocationError(
          `heap.alloc: cannot allocate ${requested} bytes: growing the wasm memory from ` +
            `${pages * PAGE_BYTES} to ${needed * PAGE_BYTES} bytes failed (${String(e)}). ` +
            this.#usage(),
        );
      }
    }
  }

  #usage(): string {
    const s = this.#allocator.stats();
    return `In use: ${s.liveBytes} bytes in ${s.liveBlocks} blocks, ${s.freeBytes} bytes free in fragments.`;
  }

  #freeCollected(ptr: number): void {
    this.#ownedTokens.delete(ptr);
    this.#allocator.free(ptr);
  }
}

/** The process-wide heap (its memory is created on first use, not on import). */
export const heap = new WasmHeap();
