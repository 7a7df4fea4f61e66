// Issue 13 item 7: huge allocations are typed errors naming the op, shape, dtype and bytes,
// under a configurable soft limit (setAllocationLimit, env LOOM_MAX_ALLOCATION).
import {
  AllocationError,
  allocationLimit,
  DEFAULT_ALLOCATION_LIMIT,
  eye,
  full,
  InvalidArgumentError,
  ones,
  setAllocationLimit,
  tensor,
  zeros,
} from '@loom/core';
import { afterEach, describe, expect, test, vi } from 'vitest';

const original = allocationLimit();
afterEach(() => {
  setAllocationLimit(original);
  vi.unstubAllEnvs();
});

function messageOf(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(AllocationError);
    return (e as Error).message;
  }
  throw new Error('expected an AllocationError');
}

describe('allocation limit', () => {
  test('the default is 4 GiB', () => {
    expect(DEFAULT_ALLOCATION_LIMIT).toBe(4 * 1024 * 1024 * 1024);
    expect(original).toBe(DEFAULT_ALLOCATION_LIMIT);
  });

  test('zeros([2 ** 33]) names the op, the shape, the dtype and the bytes', () => {
    const msg = messageOf(() => zeros([2 ** 33]));
    expect(msg).toMatch(/^zeros: /);
    expect(msg).toContain('float32[8589934592]');
    expect(msg).toContain(`${2 ** 33 * 4} bytes (32 GiB)`);
    expect(msg).toContain(`limit of ${4 * 2 ** 30} bytes (4 GiB)`);
    expect(msg).toMatch(/setAllocationLimit/);
  });

  test('2^31 float32 elements (8 GiB) are refused instead of silently filled', () => {
    const msg = messageOf(() => ones([2 ** 16, 2 ** 15], 'float32'));
    expect(msg).toMatch(
      /^ones: a float32\[65536, 32768\] buffer \(2147483648 elements, 8589934592 bytes \(8 GiB\)\)/,
    );
  });

  test('a lowered limit rejects a shape just over it and accepts one at it', () => {
    setAllocationLimit(1024);
    expect(zeros([16, 16]).size).toBe(256); // exactly 1024 bytes
    const msg = messageOf(() => full([16, 17], 2, 'float32'));
    expect(msg).toContain('full: a float32[16, 17] buffer (272 elements, 1088 bytes (1.06 KiB))');
    expect(msg).toContain('limit of 1024 bytes (1 KiB)');
    // The bytes depend on the dtype: 129 float64 elements are over, 1024 bools are not.
    expect(messageOf(() => zeros([129], 'float64'))).toContain('float64[129]');
    expect(zeros([1024], 'bool').size).toBe(1024);
    expect(messageOf(() => eye(17, 16))).toMatch(/^eye: a float32\[17, 16\]/);
    expect(messageOf(() => tensor(new Float64Array(200)))).toMatch(/^tensor: /);
  });

  test('raising the limit lets a larger buffer through; setAllocationLimit returns the old one', () => {
    setAllocationLimit(64);
    expect(() => zeros([32])).toThrow(AllocationError);
    expect(setAllocationLimit(256)).toBe(64);
    expect(zeros([32]).size).toBe(32);
    expect(allocationLimit()).toBe(256);
  });

  test('above the limit but beyond what the engine can give: still an AllocationError', () => {
    setAllocationLimit(2 ** 40);
    const msg = messageOf(() => zeros([2 ** 33], 'bool'));
    expect(msg).toContain('zeros: a bool[8589934592] buffer');
    expect(msg).toMatch(/could not be allocated by the JavaScript engine/);
  });

  test('bad limits are InvalidArgumentErrors naming the value', () => {
    expect(() => setAllocationLimit(-1)).toThrow(InvalidArgumentError);
    expect(() => setAllocationLimit(0)).toThrow(/setAllocationLimit: .*got 0/);
    expect(() => setAllocationLimit(1.5)).toThrow(/positive whole number of bytes/);
    expect(allocationLimit()).toBe(original);
  });

  test('LOOM_MAX_ALLOCATION sets the initial limit', async () => {
    vi.stubEnv('LOOM_MAX_ALLOCATION', '4096');
    vi.resetModules();
    const fresh = await import('../src/tensor/allocation_limit.js');
    expect(fresh.allocationLimit()).toBe(4096);
    vi.stubEnv('LOOM_MAX_ALLOCATION', 'lots');
    vi.resetModules();
    await expect(import('../src/tensor/allocation_limit.js')).rejects.toThrow(
      /LOOM_MAX_ALLOCATION: .*"lots"/,
    );
  });
});
