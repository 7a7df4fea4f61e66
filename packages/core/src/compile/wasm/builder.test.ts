// SPDX-License-Identifier: MIT
import { describe, expect, it } from 'vitest';
import { ModuleBuilder } from './builder.js';

function instantiate(
  bytes: Uint8Array<ArrayBuffer>,
  memory: WebAssembly.Memory,
): WebAssembly.Exports {
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { memory } }).exports;
}

describe('wasm ModuleBuilder', () => {
  it('builds a scalar loop that sums f64 values from memory', () => {
    const mb = new ModuleBuilder().importMemory({ initial: 1 });
    const f = mb.func(['i32', 'i32'], ['f64'], (w, [ptr, n]) => {
      const i = w.local('i32');
      const acc = w.local('f64');
      w.f64(0).set(acc);
      w.forLoop(
        i,
        () => w.i32(0),
        () => w.get(n),
        1,
        () => {
          w.get(acc).get(ptr).get(i).i32(3).op('i32.shl').op('i32.add');
          w.mem('f64.load').op('f64.add').set(acc);
        },
      );
      w.get(acc);
    });
    mb.export(f, 'sum');
    const memory = new WebAssembly.Memory({ initial: 1 });
    const xs = new Float64Array(memory.buffer, 64, 10);
    for (let i = 0; i < 10; i++) xs[i] = i * 1.5 - 2;
    const sum = instantiate(mb.build(), memory).sum as (p: number, n: number) => number;
    expect(sum(64, 10)).toBe(xs.reduce((a, b) => a + b, 0));
    expect(sum(64, 0)).toBe(0);
  });

  it('builds SIMD code over a shared memory: y = a * x + b, four lanes at a time', () => {
    const mb = new ModuleBuilder().importMemory({ initial: 1, maximum: 16, shared: true });
    const f = mb.func(['i32', 'i32', 'i32', 'f32'], [], (w, [x, y, n, a]) => {
      const i = w.local('i32');
      const va = w.local('v128');
      w.get(a).op('f32x4.splat').set(va);
      w.forLoop(
        i,
        () => w.i32(0),
        () => w.get(n),
        4,
        () => {
          w.get(y).get(i).i32(2).op('i32.shl').op('i32.add');
          w.get(x).get(i).i32(2).op('i32.shl').op('i32.add').mem('v128.load');
          w.get(va).op('f32x4.mul').f32x4(1, 2, 3, 4).op('f32x4.add');
          w.mem('v128.store');
        },
      );
    });
    mb.export(f, 'axpb');
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 16, shared: true });
    const xs = new Float32Array(memory.buffer, 0, 8);
    xs.set([1, 2, 3, 4, 5, 6, 7, 8]);
    const run = instantiate(mb.build(), memory).axpb as (...a: number[]) => void;
    run(0, 128, 8, 0.5);
    const ys = Array.from(new Float32Array(memory.buffer, 128, 8));
    expect(ys).toEqual([1.5, 3, 4.5, 6, 3.5, 5, 6.5, 8]);
  });

  it('encodes negative and large constants, lanes, blocks and if/else', () => {
    const mb = new ModuleBuilder();
    const f = mb.func(['i32'], ['i32'], (w, [x]) => {
      w.get(x).i32(0).op('i32.lt_s');
      w.if(
        () => w.i32(-123456789),
        () => {
          w.i32x4(7, 8, 9, 2 ** 30).lane('i32x4.extract_lane', 3);
        },
        'i32',
      );
    });
    mb.export(f, 'pick');
    const pick = new WebAssembly.Instance(new WebAssembly.Module(mb.build())).exports.pick as (
      x: number,
    ) => number;
    expect(pick(-1)).toBe(-123456789);
    expect(pick(1)).toBe(2 ** 30);
  });
});

describe('wasm ModuleBuilder imports', () => {
  it('calls an imported host function (float64 Math.exp) from a loop', () => {
    const mb = new ModuleBuilder().importMemory({ initial: 1 });
    const exp = mb.importFunc('math', 'exp', ['f64'], ['f64']);
    const f = mb.func(['i32', 'i32'], [], (w, [ptr, n]) => {
      const i = w.local('i32');
      const at = w.local('i32');
      w.forLoop(
        i,
        () => w.i32(0),
        () => w.get(n),
        1,
        () => {
          w.get(ptr).get(i).i32(3).op('i32.shl').op('i32.add').tee(at);
          w.get(at).mem('f64.load').call(exp).mem('f64.store');
        },
      );
    });
    mb.export(f, 'expInPlace');
    const memory = new WebAssembly.Memory({ initial: 1 });
    const xs = new Float64Array(memory.buffer, 0, 5);
    xs.set([0, 1, -2, 0.5, 30]);
    const want = Array.from(xs, Math.exp);
    const inst = new WebAssembly.Instance(new WebAssembly.Module(mb.build()), {
      env: { memory },
      math: { exp: Math.exp },
    });
    (inst.exports.expInPlace as (p: number, n: number) => void)(0, 5);
    expect(Array.from(xs)).toEqual(want);
  });

  it('names functions in the name section, which stack traces (and profilers) show', () => {
    const mb = new ModuleBuilder();
    const where = mb.importFunc('host', 'where', []);
    const inner = mb.func([], [], (w) => {
      w.call(where);
    });
    const outer = mb.func([], [], (w) => {
      w.call(inner);
    });
    mb.nameFunction(inner, 'f12: fused float32[16,128] = tanh × ½');
    mb.nameFunction(outer, 'main');
    mb.export(outer, 'run');
    let stack = '';
    const module = new WebAssembly.Module(mb.build());
    const run = new WebAssembly.Instance(module, {
      host: {
        where: () => {
          stack = new Error('probe').stack ?? '';
        },
      },
    }).exports.run as () => void;
    run();
    expect(stack).toContain('f12: fused float32[16,128] = tanh × ½');
    expect(stack).toContain('main');
    expect(WebAssembly.Module.customSections(module, 'name')).toHaveLength(1);
    // Unnamed modules carry no name section.
    const plain = new ModuleBuilder();
    plain.export(
      plain.func([], [], () => {}),
      'f',
    );
    expect(
      WebAssembly.Module.customSections(new WebAssembly.Module(plain.build()), 'name'),
    ).toHaveLength(0);
  });
});
