// The closure form of elementwise kernels (used where `new Function` is forbidden) must give
// bitwise the results of the generated kernels, for every registered elementwise primitive, and
// follow JavaScript's semantics on hand-written expressions.
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../errors.js';
import type { TypedArray } from '../tensor/dtype.js';
import type { Primitive } from '../trace/primitive.js';
import { elementwiseKernel } from './elementwise.js';
import { compileKernelExpression, type Value } from './expr_closure.js';

const SPECIAL = [
  0,
  -0,
  1,
  -1,
  2,
  -2.5,
  0.5,
  3,
  7,
  1 / 3,
  Math.PI,
  1e-300,
  -1e300,
  65536,
  2 ** 31 - 1,
  -(2 ** 31),
  2 ** 53 + 2,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
];

/** Parameters to try per primitive that builds its expression from parameters. */
const PARAMS: Record<string, readonly Record<string, unknown>[]> = {
  integer_pow: [-3, -1, 0, 1, 2, 3, 5, 31].map((y) => ({ y })),
};

const OUT_TYPES = [Float64Array, Float32Array, Int32Array, Uint8Array] as const;

/** How many of x, y, z an expression reads (names not preceded by a dot). */
function arityOf(expr: string): number {
  if (/(^|[^.\w$])z\b/.test(expr)) return 3;
  if (/(^|[^.\w$])y\b/.test(expr)) return 2;
  return 1;
}

/** Every combination of SPECIAL values for `arity` inputs, one Float64Array per input. */
function grid(arity: number): Float64Array[] {
  const n = SPECIAL.length ** arity;
  const inputs = Array.from({ length: arity }, () => new Float64Array(n));
  for (let i = 0; i < n; i++) {
    let r = i;
    for (let k = 0; k < arity; k++) {
      inputs[k][i] = SPECIAL[r % SPECIAL.length];
      r = Math.floor(r / SPECIAL.length);
    }
  }
  return inputs;
}

function bytes(a: TypedArray): number[] {
  return Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
}

const elementwisePrims: { name: string; prim: Primitive }[] = [];

beforeAll(async () => {
  const dir = fileURLToPath(new URL('../prims/', import.meta.url));
  for (const file of readdirSync(dir)) {
    if (!file.endsWith('.ts') || file.endsWith('.test.ts')) continue;
    const url = new URL(`../prims/${file}`, import.meta.url).href;
    const mod = (await import(/* @vite-ignore */ url)) as Record<string, unknown>;
    for (const value of Object.values(mod)) {
      const prim = value as Primitive | null;
      if (prim && typeof prim === 'object' && typeof prim.elementwiseExpr === 'function') {
        if (!elementwisePrims.some((p) => p.prim === prim))
          elementwisePrims.push({ name: prim.name, prim });
      }
    }
  }
});

describe('closure kernels against generated kernels', () => {
  it('finds the registered elementwise primitives', () => {
    const names = elementwisePrims.map((p) => p.name);
    for (const expected of ['add', 'mul', 'integer_pow', 'select', 'max', 'tanh', 'logistic']) {
      expect(names).toContain(expected);
    }
  });

  it('every elementwise primitive: bitwise-equal results on every output dtype', () => {
    let checked = 0;
    for (const { name, prim } of elementwisePrims) {
      const exprs = new Set<string>();
      for (const params of PARAMS[name] ?? [{}]) {
        for (const dtype of ['float32', 'float64', 'int32', 'bool'] as const) {
          exprs.add(prim.elementwiseExpr!(params, dtype));
        }
      }
      for (const expr of exprs) {
        const arity = arityOf(expr);
        const inputs = grid(arity);
        const shape = [inputs[0].length];
        const operands = inputs.map((buffer) => ({ buffer, shape }));
        const generated = elementwiseKernel(arity, expr, true);
        const closures = elementwiseKernel(arity, expr, false);
        for (const Out of OUT_TYPES) {
          const a = new Out(shape[0]);
          const b = new Out(shape[0]);
          generated(operands, a, shape);
          closures(operands, b, shape);
          expect(bytes(b), `${name}: ${expr} into ${Out.name}`).toEqual(bytes(a));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(4 * 20);
  });

  it('broadcast (strided row) and scalar paths agree too', () => {
    for (const { name, prim } of elementwisePrims) {
      const expr = prim.elementwiseExpr!(PARAMS[name]?.[3] ?? {}, 'float64');
      const arity = arityOf(expr);
      const column = { buffer: Float64Array.from(SPECIAL), shape: [SPECIAL.length, 1] };
      const row = { buffer: Float64Array.from(SPECIAL.slice(0, 7)), shape: [1, 7] };
      const scalar = { buffer: Float64Array.of(0.75), shape: [] };
      const operands = [column, row, scalar].slice(0, arity);
      const outShape = arity === 1 ? column.shape : [SPECIAL.length, 7];
      const size = outShape[0] * outShape[1];
      const a = new Float64Array(size);
      const b = new Float64Array(size);
      elementwiseKernel(arity, expr, true)(operands, a, outShape);
      elementwiseKernel(arity, expr, false)(operands, b, outShape);
      expect(bytes(b), `${name}: ${expr}`).toEqual(bytes(a));
      if (arity > 1) {
        const withScalar = [scalar, ...operands.slice(1)];
        const c = new Float64Array(size);
        const d = new Float64Array(size);
        elementwiseKernel(arity, expr, true)(withScalar, c, outShape);
        elementwiseKernel(arity, expr, false)(withScalar, d, outShape);
        expect(bytes(d), `${name}: ${expr} with a scalar`).toEqual(bytes(c));
      }
    }
  });
});

describe('the expression compiler follows JavaScript', () => {
  // Each case: source over x, y and the same computation written in TypeScript.
  const cases: [string, (x: number, y: number) => Value][] = [
    ['x + y * 2 - x / 4 % 3', (x, y) => x + y * 2 - ((x / 4) % 3)],
    ['2 ** 3 ** 2 + x', (x) => 2 ** (3 ** 2) + x],
    ['(x > y) === true', (x, y) => x > y === true],
    ['x > y ? 1 : x < y ? -1 : 0', (x, y) => (x > y ? 1 : x < y ? -1 : 0)],
    ['x && y', (x, y) => x && y],
    ['x || y', (x, y) => x || y],
    ['x ?? y', (x, y) => x ?? y],
    ['~x ^ (y << 3) | (x >>> 1) & y >> 2', (x, y) => (~x ^ (y << 3)) | ((x >>> 1) & (y >> 2))],
    ['Math.imul(x, y) + Math.max(x, y, 1)', (x, y) => Math.imul(x, y) + Math.max(x, y, 1)],
    [
      '-Math.PI * !x + +y + 0x1f + 1.5e-3 + .25',
      (x, y) => -Math.PI * Number(!x) + +y + 31 + 0.0015 + 0.25,
    ],
    ['x != y', (x, y) => x !== y],
    ['(x, y)', (_, y) => y],
    ['Number.isNaN(x) ? 7 : Math.hypot(x, y)', (x, y) => (Number.isNaN(x) ? 7 : Math.hypot(x, y))],
    [
      '((b) => { let r = 1; for (let e = 13; e > 0; e >>>= 1) { if (e & 1) r = Math.imul(r, b); b = Math.imul(b, b); } return r; })(x)',
      (x) => {
        let b = x;
        let r = 1;
        for (let e = 13; e > 0; e >>>= 1) {
          if (e & 1) r = Math.imul(r, b);
          b = Math.imul(b, b);
        }
        return r;
      },
    ],
    [
      '((a, b) => { let s = 0, i; for (i = 0; i < 10; i++) { if (i === 2) continue; if (i > 6) break; s += a * i - b; } while (s > 100 && s < 1e6) s -= 7; return s + i; })(x, y)',
      (x, y) => {
        let s = 0;
        let i = 0;
        for (i = 0; i < 10; i++) {
          if (i === 2) continue;
          if (i > 6) break;
          s += x * i - y;
        }
        while (s > 100 && s < 1e6) s -= 7;
        return s + i;
      },
    ],
    [
      '(v => v * v)(x + 1) + ((u) => { let k = u; k--; return --k + k++; })(y)',
      (x, y) => (x + 1) * (x + 1) + 2 * (y - 2),
    ],
  ];
  const values = [0, -0, 1, -3, 2.5, 7, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 31 - 1];

  it.each(cases)('%s', (source, reference) => {
    const { evaluate, slots } = compileKernelExpression(source, ['x', 'y']);
    for (const x of values) {
      for (const y of values) {
        const env = new Array<Value>(slots);
        env[0] = x;
        env[1] = y;
        expect(Object.is(evaluate(env), reference(x, y)), `${source} at x=${x}, y=${y}`).toBe(true);
      }
    }
  });

  it.each([
    ['x + w', /'x \+ w'.*the name 'w' is not defined/],
    ['x[0]', /unsupported character '\['.*offset 1/],
    ['x.length', /unsupported character|unexpected '\.'/],
    ['Math.nope(x)', /Math\.nope does not exist/],
    ['foo(x)', /call of something other than Math/],
    ['x +', /unexpected 'end of input'/],
    ['3 = x', /assignment to something other than a variable/],
  ])('rejects %s with a typed error naming the expression', (source, message) => {
    expect(() => compileKernelExpression(source, ['x'], 'test_op')).toThrow(InvalidArgumentError);
    expect(() => compileKernelExpression(source, ['x'], 'test_op')).toThrow(message);
    expect(() => compileKernelExpression(source, ['x'], 'test_op')).toThrow(/^test_op: /);
  });
});
