// SPDX-License-Identifier: MIT
import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  features,
  platform,
  probeFeatures,
  RELAXED_SIMD_PROBE,
  resetFeatures,
  SIMD_PROBE,
} from './features.js';

// Node 20 (V8 11.3) validates SIMD but ships relaxed SIMD behind --experimental-wasm-relaxed-simd;
// Node 22+ has it on. The expectation follows the flag and the major version.
const nodeMajor = Number(process.versions.node.split('.')[0]);
const relaxedExpected =
  nodeMajor >= 22 || process.execArgv.includes('--experimental-wasm-relaxed-simd');

afterEach(() => {
  vi.unstubAllEnvs();
  resetFeatures();
});

describe('feature probes', () => {
  it('finds what Node offers: wasm, SIMD, shared memory, workers, cores', () => {
    const f = probeFeatures({});
    expect(f).toMatchObject({
      wasm: true,
      simd: true,
      relaxedSimd: relaxedExpected,
      sharedMemory: true,
      canCompileWasm: true,
      workers: true,
    });
    expect(f.cores).toBe(availableParallelism());
  });

  it('probe modules are well-formed: SIMD validates here, relaxed differs only by its opcode', () => {
    expect(WebAssembly.validate(SIMD_PROBE)).toBe(true);
    // The relaxed probe is the SIMD probe's shape plus two operands and 0xfd 0x85 0x02.
    expect(Array.from(RELAXED_SIMD_PROBE.slice(-4))).toEqual([0xfd, 0x85, 0x02, 0x0b]);
    expect(WebAssembly.validate(RELAXED_SIMD_PROBE)).toBe(relaxedExpected);
    // A corrupted opcode must not validate, or the probe would prove nothing.
    const broken = RELAXED_SIMD_PROBE.slice();
    broken[broken.length - 3] = 0xff;
    expect(WebAssembly.validate(broken)).toBe(false);
  });

  it('LOOM_WASM=0 turns every wasm feature off; LOOM_RELAXED_SIMD=0 only relaxed SIMD', () => {
    expect(probeFeatures({ LOOM_WASM: '0' })).toMatchObject({
      wasm: false,
      simd: false,
      relaxedSimd: false,
      sharedMemory: false,
      canCompileWasm: false,
    });
    expect(probeFeatures({ LOOM_RELAXED_SIMD: '0' })).toMatchObject({
      wasm: true,
      simd: true,
      relaxedSimd: false,
    });
  });

  it('reads the switches from the environment and caches the result', () => {
    vi.stubEnv('LOOM_WASM', '0');
    resetFeatures();
    const first = features();
    expect(first.wasm).toBe(false);
    vi.stubEnv('LOOM_WASM', '1');
    expect(features()).toBe(first); // cached until reset
    resetFeatures();
    expect(features().wasm).toBe(true);
  });

  it('reports that compiling is forbidden when the engine refuses (as under a strict CSP)', () => {
    const Module = WebAssembly.Module;
    const refuse = vi.spyOn(WebAssembly, 'Module').mockImplementation(function refused(
      this: unknown,
      bytes: BufferSource,
    ) {
      throw new WebAssembly.CompileError(
        `WebAssembly.Module(): Wasm code generation disallowed by embedder (${String(bytes)})`,
      );
    } as unknown as typeof Module);
    try {
      const f = probeFeatures({});
      expect(f.canCompileWasm).toBe(false);
      expect(f.wasm).toBe(true); // validation is still allowed under such a policy
    } finally {
      refuse.mockRestore();
    }
    expect(probeFeatures({}).canCompileWasm).toBe(true);
  });

  it('summarises the platform', () => {
    expect(platform()).toMatchObject({
      environment: 'node',
      node: process.versions.node,
      crossOriginIsolated: undefined,
      simd: true,
    });
  });
});
