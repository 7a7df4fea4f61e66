// SPDX-License-Identifier: MIT
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { fc, test } from '@fast-check/vitest';
import { describe, expect, it } from 'vitest';
import { AllocationError, InvalidArgumentError } from '../errors.js';
import { ALIGNMENT } from './allocator.js';
import { heap, PAGE_BYTES, WasmHeap } from './heap.js';

type Command = { kind: 'alloc'; bytes: number } | { kind: 'free'; pick: number };

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('alloc' as const), bytes: fc.integer({ min: 0, max: 40_000 }) }),
  fc.record({ kind: fc.constant('free' as const), pick: fc.nat() }),
);

/** A byte pattern that identifies block number `id` at offset `i`. */
const stamp = (id: number, i: number) => (id * 31 + i) & 0xff;

describe('WasmHeap allocator', () => {
  test.prop([fc.array(command, { maxLength: 120 }), fc.boolean()])(
    'random alloc/free sequences: aligned, disjoint, contents intact, space reused',
    (commands, shared) => {
      const h = new WasmHeap({ initialBytes: PAGE_BYTES, shared, maximumPages: 1024 });
      const live: { ptr: number; bytes: number; id: number }[] = [];
      let nextId = 0;
      for (const c of commands) {
        if (c.kind === 'alloc') {
          const ptr = h.alloc(c.bytes);
          expect(ptr % ALIGNMENT).toBe(0);
          expect(ptr).toBeGreaterThan(0);
          expect(ptr + c.bytes).toBeLessThanOrEqual(h.u8.length);
          const id = nextId++;
          const u8 = h.u8; // fresh view: the alloc may have grown the memory
          for (let i = 0; i < c.bytes; i++) u8[ptr + i] = stamp(id, i);
          live.push({ ptr, bytes: c.bytes, id });
        } else if (live.length > 0) {
          const [block] = live.splice(c.pick % live.length, 1);
          h.free(block.ptr);
        }
      }
      // Every live block still holds its own pattern: no block was handed out twice.
      const u8 = h.u8;
      for (const b of live) {
        let wrong = 0;
        for (let i = 0; i < b.bytes; i++) if (u8[b.ptr + i] !== stamp(b.id, i)) wrong++;
        expect(wrong).toBe(0);
      }
      const sorted = [...live].sort((a, b) => a.ptr - b.ptr);
      for (let i = 1; i < sorted.length; i++) {
        const prev = sorted[i - 1];
        expect(prev.ptr + (h.sizeOf(prev.ptr) ?? 0)).toBeLessThanOrEqual(sorted[i].ptr);
      }
      // Freeing the rest gives every byte back: the top returns to the first address.
      for (const b of live) h.free(b.ptr);
      const stats = h.stats();
      expect(stats).toMatchObject({ liveBytes: 0, liveBlocks: 0, freeBytes: 0, freeBlocks: 0 });
      expect(stats.top).toBe(ALIGNMENT);
    },
  );

  it('reuses a freed block first-fit and merges neighbours', () => {
    const h = new WasmHeap({ initialBytes: PAGE_BYTES, shared: false });
    const a = h.alloc(100);
    const b = h.alloc(200);
    const c = h.alloc(64);
    expect([b - a, c - b]).toEqual([128, 256]);
    h.free(b);
    expect(h.alloc(256)).toBe(b); // exact fit
    h.free(a);
    h.free(b);
    expect(h.stats()).toMatchObject({ freeBlocks: 1, freeBytes: 128 + 256 });
    expect(h.alloc(300)).toBe(a); // a and b merged into one block of 384
    expect(h.stats().freeBytes).toBe(64);
  });

  it('grows the memory, and the view getters follow the new buffer', () => {
    for (const shared of [false, true]) {
      const h = new WasmHeap({ initialBytes: PAGE_BYTES, shared, maximumPages: 1024 });
      expect(h.shared).toBe(shared);
      const small = h.alloc(16);
      h.f32[small / 4] = 1.5;
      const before = h.u8.byteLength;
      const big = h.alloc(3 * PAGE_BYTES);
      expect(h.memory.buffer.byteLength).toBeGreaterThanOrEqual(big + 3 * PAGE_BYTES);
      expect(h.memory.buffer.byteLength).toBeGreaterThan(before);
      expect(h.f32.length * 4).toBe(h.memory.buffer.byteLength);
      expect(h.f32[small / 4]).toBe(1.5); // contents survive growth
      h.f64[(big + 3 * PAGE_BYTES - 8) / 8] = -2.25; // last element of the new block
      expect(h.f64[(big + 3 * PAGE_BYTES - 8) / 8]).toBe(-2.25);
      expect(h.i32.buffer).toBe(h.memory.buffer);
    }
  });

  it('rejects allocations past its limit with an AllocationError naming the bytes', () => {
    const h = new WasmHeap({ initialBytes: PAGE_BYTES, maximumPages: 4, shared: false });
    h.alloc(1000);
    expect(() => h.alloc(4 * PAGE_BYTES)).toThrow(AllocationError);
    expect(() => h.alloc(4 * PAGE_BYTES)).toThrow(
      /heap\.alloc: cannot allocate 262144 bytes: .*limit of 262144 bytes \(4 pages/,
    );
    expect(() => heap.alloc(2 ** 32)).toThrow(
      /cannot allocate 4294967296 bytes: .*32-bit wasm memory addresses at most 4 GiB/,
    );
    expect(h.stats().liveBlocks).toBe(1); // a failed alloc leaves the heap as it was
  });

  it('rejects bad sizes and bad frees with messages naming the value', () => {
    const h = new WasmHeap({ initialBytes: PAGE_BYTES });
    expect(() => h.alloc(-1)).toThrow(InvalidArgumentError);
    expect(() => h.alloc(1.5)).toThrow(/heap\.alloc: .* got 1\.5/);
    const p = h.alloc(8);
    h.free(p);
    expect(() => h.free(p)).toThrow(/heap\.free: \d+ is not the address of a live block/);
    expect(() => h.free(p + 64)).toThrow(InvalidArgumentError);
  });

  it('declares the memory import generated modules need', () => {
    const h = new WasmHeap({ initialBytes: PAGE_BYTES, shared: true });
    expect(h.memoryImport()).toEqual({ initial: 1, maximum: 65536, shared: true });
    const u = new WasmHeap({ initialBytes: PAGE_BYTES, shared: false, maximumPages: 100 });
    expect(u.memoryImport()).toEqual({ initial: 1, maximum: 100, shared: false });
  });
});

describe('WasmHeap.allocOwned', () => {
  it('frees the block once its owner is garbage collected, and never a block freed by hand', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const collect = async (done: () => boolean) => {
      for (let i = 0; i < 50 && !done(); i++) {
        gc();
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    };
    const h = new WasmHeap({ initialBytes: PAGE_BYTES, shared: false });
    const holder: { owner?: object } = { owner: {} };
    const heldPtr = h.allocOwned(holder.owner as object, 1000);
    (() => {
      h.allocOwned({}, 5000); // owner unreachable as soon as this returns
    })();
    expect(h.stats().liveBlocks).toBe(2);
    await collect(() => h.stats().liveBlocks === 1);
    expect(h.stats().liveBlocks).toBe(1);
    expect(h.sizeOf(heldPtr)).toBe(1024);
    // Freed by hand, then reused: collecting the old owner must not free the new block.
    h.free(heldPtr);
    const reused = h.alloc(1000);
    expect(reused).toBe(heldPtr);
    let ownerCollected = false;
    const watch = new FinalizationRegistry(() => {
      ownerCollected = true;
    });
    watch.register(holder.owner as object, 0);
    holder.owner = undefined;
    await collect(() => ownerCollected);
    expect(ownerCollected).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(h.sizeOf(reused)).toBe(1024);
  });
});
