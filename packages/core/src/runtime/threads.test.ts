// SPDX-License-Identifier: MIT
import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import { getThreads, runtimeInfo, setThreads } from '../index.js';
import { resetFeatures } from './features.js';
import { requestedThreads, resetThreads } from './threads.js';

afterEach(() => {
  vi.unstubAllEnvs();
  resetFeatures();
  resetThreads();
});

describe('thread setting', () => {
  it('defaults to all cores, LOOM_THREADS overrides, setThreads overrides both', () => {
    vi.stubEnv('LOOM_THREADS', undefined as unknown as string);
    expect(requestedThreads()).toBe(availableParallelism());
    expect(getThreads()).toBe(availableParallelism());
    vi.stubEnv('LOOM_THREADS', '3');
    expect(getThreads()).toBe(3);
    setThreads(5);
    expect(getThreads()).toBe(5);
    expect(runtimeInfo().threads).toBe(5);
    resetThreads();
    expect(getThreads()).toBe(3);
  });

  it('is 1 where shared memory is unavailable (here: wasm disabled)', () => {
    vi.stubEnv('LOOM_WASM', '0');
    resetFeatures();
    expect(requestedThreads()).toBe(availableParallelism());
    expect(getThreads()).toBe(1);
    expect(runtimeInfo()).toMatchObject({ wasm: false, sharedMemory: false, threads: 1 });
  });

  it('rejects counts that are not whole numbers >= 1, naming the value', () => {
    for (const bad of [0, -1, 1.5, Number.NaN]) {
      expect(() => setThreads(bad)).toThrow(InvalidArgumentError);
    }
    expect(() => setThreads(0)).toThrow(
      /setThreads: the number of threads must be a whole number >= 1.*got 0/,
    );
    vi.stubEnv('LOOM_THREADS', 'many');
    expect(() => getThreads()).toThrow(/LOOM_THREADS \(environment variable\): .*got "many"/);
  });
});
