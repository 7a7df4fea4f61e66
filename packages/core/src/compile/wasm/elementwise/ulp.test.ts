// SPDX-License-Identifier: MIT
// Float32 transcendentals against the correctly rounded value (Math.* in float64, then
// Math.fround): a dense sample of 2^20 inputs per function by default, every float32 bit pattern
// with ULP_SWEEP=1 (several minutes per function).
import { describe, expect, it } from 'vitest';
import { compileOp, compileOpKernel, type OpRunner } from './run_op.js';
import { rng, sameValue, ulpDistance } from './testing_values.js';

const REFERENCE: Record<string, (x: number) => number> = {
  exp: Math.exp,
  log: Math.log,
  log1p: Math.log1p,
  logistic: (x) => 1 / (1 + Math.exp(-x)),
  tanh: Math.tanh,
  sin: Math.sin,
  cos: Math.cos,
};

/** Where each function does its interesting work (besides the whole float32 range). */
const INTERVAL: Record<string, [number, number]> = {
  exp: [-104, 89],
  log: [0, 4],
  log1p: [-1, 4],
  logistic: [-30, 30],
  tanh: [-10, 10],
  sin: [-2e6, 2e6],
  cos: [-2e6, 2e6],
};

const FULL_SWEEP = globalThis.process?.env?.ULP_SWEEP === '1';
const SAMPLES = 2 ** 20;
const bits = new Uint32Array(1);
const asFloat = new Float32Array(bits.buffer);

function fromBits(b: number): number {
  bits[0] = b;
  return asFloat[0];
}

/** Half spread over all bit patterns, a quarter over the interval, a quarter over [−1, 1]. */
function samples(name: string): Float32Array {
  const r = rng(name.length * 7919 + 3);
  const out = new Float32Array(SAMPLES);
  const [lo, hi] = INTERVAL[name];
  const stride = 2 ** 32 / (SAMPLES / 2);
  for (let i = 0; i < SAMPLES / 2; i++) out[i] = fromBits(i * stride + Math.floor(r() * stride));
  for (let i = SAMPLES / 2; i < SAMPLES; i++) {
    out[i] = i % 2 ? lo + (hi - lo) * r() : 2 * r() - 1;
  }
  return out;
}

interface Worst {
  ulps: number;
  x: number;
}

function check(run: OpRunner, reference: (x: number) => number, xs: Float32Array, worst: Worst) {
  const got = run([xs]);
  for (let i = 0; i < xs.length; i++) {
    const d = ulpDistance(got[i], Math.fround(reference(xs[i])));
    if (d > worst.ulps) {
      worst.ulps = d;
      worst.x = xs[i];
    }
  }
}

describe('float32 transcendentals: ulps from the correctly rounded value', () => {
  for (const name of Object.keys(REFERENCE)) {
    it(`${name}: at most 2 ulp over ${FULL_SWEEP ? 'every float32' : '2^20 samples'}`, () => {
      const spec = { prim: name, inDtypes: ['float32' as const], outDtype: 'float32' as const };
      const simd = compileOp({ ...spec, lanes: 'simd' });
      const worst: Worst = { ulps: 0, x: 0 };
      if (FULL_SWEEP) {
        // Straight through the kernel's memory: 2^22 inputs per call.
        const chunk = 2 ** 22;
        const { kernel, memory } = compileOpKernel({ ...spec, lanes: 'simd' });
        memory.grow(2 * ((chunk * 4) / 65536));
        const xs = new Float32Array(memory.buffer, 0, chunk);
        const ys = new Float32Array(memory.buffer, chunk * 4, chunk);
        const xBits = new Uint32Array(memory.buffer, 0, chunk);
        const f = REFERENCE[name];
        for (let start = 0; start < 2 ** 32; start += chunk) {
          for (let i = 0; i < chunk; i++) xBits[i] = start + i;
          kernel(0, chunk * 4, chunk);
          for (let i = 0; i < chunk; i++) {
            const d = ulpDistance(ys[i], Math.fround(f(xs[i])));
            if (d > worst.ulps) {
              worst.ulps = d;
              worst.x = xs[i];
            }
          }
        }
      } else {
        check(simd, REFERENCE[name], samples(name), worst);
      }
      console.info(
        `${name}: max ${worst.ulps} ulp (at ${worst.x}), ${FULL_SWEEP ? 'all 2^32 inputs' : '2^20 samples'}`,
      );
      expect({ name, ...worst, ok: worst.ulps <= 2 }).toMatchObject({ ok: true });
    });

    it(`${name}: the scalar form gives bitwise the SIMD lanes' results`, () => {
      const spec = { prim: name, inDtypes: ['float32' as const], outDtype: 'float32' as const };
      const xs = samples(name).filter((_, i) => i % 64 === 0);
      const fromSimd = compileOp({ ...spec, lanes: 'simd' })([xs]);
      const fromScalar = compileOp({ ...spec, lanes: 'scalar' })([xs]);
      const differ = fromSimd.filter((v, i) => !sameValue(v, fromScalar[i])).length;
      expect(differ).toBe(0);
      expect(fromSimd.length).toBe(xs.length);
    });
  }
});
