// SPDX-License-Identifier: MIT
// A small WebAssembly module builder: enough of the binary format for Loom's generated kernels
// (one imported memory, functions over i32/f32/f64/v128, exports). Code is written through a
// typed instruction writer, so a generator reads like the text format it stands for.
import { LANE, type LaneOp, MEMORY, type MemoryOp, PLAIN, type PlainOp } from './opcodes.js';

export type ValType = 'i32' | 'i64' | 'f32' | 'f64' | 'v128';

const TYPE_CODE: Record<ValType, number> = {
  i32: 0x7f,
  i64: 0x7e,
  f32: 0x7d,
  f64: 0x7c,
  v128: 0x7b,
};

/** Unsigned LEB128. */
function uleb(out: number[], v: number): void {
  do {
    let byte = v & 0x7f;
    v = Math.floor(v / 128);
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
}

/** Signed LEB128 of a 32-bit integer. */
function sleb(out: number[], v: number): void {
  v |= 0;
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

function name(out: number[], s: string): void {
  const bytes = new TextEncoder().encode(s);
  uleb(out, bytes.length);
  for (const b of bytes) out.push(b);
}

const f32Scratch = new DataView(new ArrayBuffer(8));

/** A local variable (or parameter) index with its type. */
export interface Local {
  readonly index: number;
  readonly type: ValType;
}

/** A function being defined: its index (for calls) and signature. */
export interface FuncRef {
  readonly index: number;
  readonly params: readonly ValType[];
  readonly results: readonly ValType[];
}

/**
 * Writes one function body. Structured control (`block`, `loop`, `if`) takes callbacks so the
 * nesting in the generator is the nesting in the module; branch depths count enclosing labels.
 */
export class CodeWriter {
  readonly bytes: number[] = [];
  readonly #localTypes: ValType[] = [];
  #nextLocal: number;

  constructor(readonly params: readonly Local[]) {
    this.#nextLocal = params.length;
  }

  /** Declares a fresh local of `type`. */
  local(type: ValType): Local {
    this.#localTypes.push(type);
    return { index: this.#nextLocal++, type };
  }

  get localTypes(): readonly ValType[] {
    return this.#localTypes;
  }

  op(name: PlainOp): this {
    for (const b of PLAIN[name]) this.bytes.push(b);
    return this;
  }

  /** Several plain instructions in order. */
  ops(...names: PlainOp[]): this {
    for (const n of names) this.op(n);
    return this;
  }

  get(l: Local): this {
    this.bytes.push(0x20);
    uleb(this.bytes, l.index);
    return this;
  }

  set(l: Local): this {
    this.bytes.push(0x21);
    uleb(this.bytes, l.index);
    return this;
  }

  tee(l: Local): this {
    this.bytes.push(0x22);
    uleb(this.bytes, l.index);
    return this;
  }

  i32(v: number): this {
    this.bytes.push(0x41);
    sleb(this.bytes, v);
    return this;
  }

  f32(v: number): this {
    this.bytes.push(0x43);
    f32Scratch.setFloat32(0, v, true);
    for (let i = 0; i < 4; i++) this.bytes.push(f32Scratch.getUint8(i));
    return this;
  }

  /** An f32 constant given by its bit pattern (exact constants for polynomial kernels). */
  f32Bits(bits: number): this {
    this.bytes.push(0x43);
    f32Scratch.setUint32(0, bits >>> 0, true);
    for (let i = 0; i < 4; i++) this.bytes.push(f32Scratch.getUint8(i));
    return this;
  }

  f64(v: number): this {
    this.bytes.push(0x44);
    f32Scratch.setFloat64(0, v, true);
    for (let i = 0; i < 8; i++) this.bytes.push(f32Scratch.getUint8(i));
    return this;
  }

  /** `v128.const` with four f32 lanes. */
  f32x4(a: number, b = a, c = a, d = a): this {
    this.bytes.push(0xfd, 0x0c);
    for (const v of [a, b, c, d]) {
      f32Scratch.setFloat32(0, v, true);
      for (let i = 0; i < 4; i++) this.bytes.push(f32Scratch.getUint8(i));
    }
    return this;
  }

  /** `v128.const` with four i32 lanes. */
  i32x4(a: number, b = a, c = a, d = a): this {
    this.bytes.push(0xfd, 0x0c);
    for (const v of [a, b, c, d]) {
      f32Scratch.setInt32(0, v | 0, true);
      for (let i = 0; i < 4; i++) this.bytes.push(f32Scratch.getUint8(i));
    }
    return this;
  }

  /** `v128.const` with two f64 lanes. */
  f64x2(a: number, b = a): this {
    this.bytes.push(0xfd, 0x0c);
    for (const v of [a, b]) {
      f32Scratch.setFloat64(0, v, true);
      for (let i = 0; i < 8; i++) this.bytes.push(f32Scratch.getUint8(i));
    }
    return this;
  }

  /** A load or store with a constant byte offset (the address is on the stack). */
  mem(name: MemoryOp, offset = 0, alignLog2?: number): this {
    const m = MEMORY[name];
    for (const b of m.code) this.bytes.push(b);
    uleb(this.bytes, alignLog2 ?? m.align);
    uleb(this.bytes, offset);
    return this;
  }

  lane(name: LaneOp, lane: number): this {
    for (const b of LANE[name]) this.bytes.push(b);
    this.bytes.push(lane);
    return this;
  }

  /** `i8x16.shuffle` with 16 lane indices. */
  shuffle(lanes: readonly number[]): this {
    this.bytes.push(0xfd, 0x0d, ...lanes);
    return this;
  }

  call(f: FuncRef): this {
    this.bytes.push(0x10);
    uleb(this.bytes, f.index);
    return this;
  }

  /** `memory.copy` (dst, src, n on the stack). */
  memoryCopy(): this {
    this.bytes.push(0xfc, 0x0a, 0x00, 0x00);
    return this;
  }

  /** `memory.fill` (dst, value, n on the stack). */
  memoryFill(): this {
    this.bytes.push(0xfc, 0x0b, 0x00);
    return this;
  }

  #structured(opcode: number, result: ValType | null, body: () => void): this {
    this.bytes.push(opcode, result ? TYPE_CODE[result] : 0x40);
    body();
    this.bytes.push(0x0b);
    return this;
  }

  block(body: () => void, result: ValType | null = null): this {
    return this.#structured(0x02, result, body);
  }

  loop(body: () => void, result: ValType | null = null): this {
    return this.#structured(0x03, result, body);
  }

  /** `if` (condition on the stack) with an optional `else`. */
  if(then: () => void, otherwise?: () => void, result: ValType | null = null): this {
    return this.#structured(0x04, result, () => {
      then();
      if (otherwise) {
        this.bytes.push(0x05);
        otherwise();
      }
    });
  }

  br(depth: number): this {
    this.bytes.push(0x0c);
    uleb(this.bytes, depth);
    return this;
  }

  brIf(depth: number): this {
    this.bytes.push(0x0d);
    uleb(this.bytes, depth);
    return this;
  }

  /**
   * `for (i = from; i < to; i += step) body()`: a block around a loop, the test at the top.
   * `from` and `to` push the bounds (a local or a constant). Inside `body`, the loop adds two
   * labels: `br(1)` from the body's top level leaves the loop.
   */
  forLoop(i: Local, from: () => void, to: () => void, step: number, body: () => void): this {
    from();
    this.set(i);
    this.block(() => {
      this.loop(() => {
        this.get(i);
        to();
        this.op('i32.ge_s').brIf(1);
        body();
        this.get(i).i32(step).op('i32.add').set(i);
        this.br(0);
      });
    });
    return this;
  }
}

interface FuncDef {
  readonly ref: FuncRef;
  readonly typeIndex: number;
  body: CodeWriter | null;
}

interface FuncImport {
  readonly module: string;
  readonly name: string;
  readonly typeIndex: number;
}

export interface MemoryImport {
  /** Pages (64 KiB) at instantiation: the imported memory must have at least this many. */
  readonly initial: number;
  readonly maximum?: number;
  readonly shared?: boolean;
}

/** Builds one module importing `env.memory`, with functions and exports. */
export class ModuleBuilder {
  readonly #types: string[] = [];
  readonly #typeBytes: number[][] = [];
  readonly #funcs: FuncDef[] = [];
  readonly #imports: FuncImport[] = [];
  readonly #exports: { name: string; index: number }[] = [];
  readonly #names = new Map<number, string>();
  #memory: MemoryImport | null = null;

  /** Imports the memory all kernels read and write, as `env.memory`. */
  importMemory(memory: MemoryImport): this {
    this.#memory = memory;
    return this;
  }

  #typeIndex(params: readonly ValType[], results: readonly ValType[]): number {
    const key = `${params.join(',')}>${results.join(',')}`;
    let i = this.#types.indexOf(key);
    if (i >= 0) return i;
    const bytes = [0x60];
    uleb(bytes, params.length);
    for (const p of params) bytes.push(TYPE_CODE[p]);
    uleb(bytes, results.length);
    for (const r of results) bytes.push(TYPE_CODE[r]);
    i = this.#types.push(key) - 1;
    this.#typeBytes.push(bytes);
    return i;
  }

  /**
   * Imports a host function (`Math.exp` for float64 kernels, a JavaScript fallback). Imported
   * functions come first in the function index space, so import before declaring any function.
   */
  importFunc(
    module: string,
    field: string,
    params: readonly ValType[],
    results: readonly ValType[] = [],
  ): FuncRef {
    if (this.#funcs.length > 0) {
      throw new Error('wasm builder: import functions before declaring any function');
    }
    const index = this.#imports.length;
    this.#imports.push({ module, name: field, typeIndex: this.#typeIndex(params, results) });
    return { index, params, results };
  }

  /** The index the next declared function will get. */
  get nextFunctionIndex(): number {
    return this.#imports.length + this.#funcs.length;
  }

  /** Declares a function (so others can call it before its body is written). */
  declare(params: readonly ValType[], results: readonly ValType[] = []): FuncRef {
    const ref: FuncRef = { index: this.#imports.length + this.#funcs.length, params, results };
    this.#funcs.push({ ref, typeIndex: this.#typeIndex(params, results), body: null });
    return ref;
  }

  /** Writes the body of a declared function; `write` gets the writer and the parameters. */
  define(ref: FuncRef, write: (w: CodeWriter, params: Local[]) => void): FuncRef {
    const params = ref.params.map((type, index) => ({ index, type }));
    const w = new CodeWriter(params);
    write(w, params);
    this.#funcs[ref.index - this.#imports.length].body = w;
    return ref;
  }

  /** Declares and defines a function in one go. */
  func(
    params: readonly ValType[],
    results: readonly ValType[],
    write: (w: CodeWriter, params: Local[]) => void,
  ): FuncRef {
    return this.define(this.declare(params, results), write);
  }

  /**
   * Names a function in the module's name section, which profilers and debuggers show (a
   * kernel's description rather than `wasm-function[42]`); engines never execute it.
   */
  nameFunction(ref: FuncRef, text: string): this {
    this.#names.set(ref.index, text);
    return this;
  }

  export(ref: FuncRef, exportName: string): this {
    this.#exports.push({ name: exportName, index: ref.index });
    return this;
  }

  build(): Uint8Array<ArrayBuffer> {
    const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
    const section = (id: number, content: number[]) => {
      out.push(id);
      uleb(out, content.length);
      for (const b of content) out.push(b);
    };
    const types: number[] = [];
    uleb(types, this.#typeBytes.length);
    for (const t of this.#typeBytes) types.push(...t);
    section(1, types);
    const imp: number[] = [];
    uleb(imp, this.#imports.length + (this.#memory ? 1 : 0));
    for (const f of this.#imports) {
      name(imp, f.module);
      name(imp, f.name);
      imp.push(0x00);
      uleb(imp, f.typeIndex);
    }
    if (this.#memory) {
      const m = this.#memory;
      name(imp, 'env');
      name(imp, 'memory');
      imp.push(0x02);
      if (m.shared) {
        imp.push(0x03);
        uleb(imp, m.initial);
        uleb(imp, m.maximum ?? 65536);
      } else if (m.maximum !== undefined) {
        imp.push(0x01);
        uleb(imp, m.initial);
        uleb(imp, m.maximum);
      } else {
        imp.push(0x00);
        uleb(imp, m.initial);
      }
    }
    if (imp.length > 1) section(2, imp);
    const fn: number[] = [];
    uleb(fn, this.#funcs.length);
    for (const f of this.#funcs) uleb(fn, f.typeIndex);
    section(3, fn);
    const ex: number[] = [];
    uleb(ex, this.#exports.length);
    for (const e of this.#exports) {
      name(ex, e.name);
      ex.push(0x00);
      uleb(ex, e.index);
    }
    section(7, ex);
    const code: number[] = [];
    uleb(code, this.#funcs.length);
    for (const f of this.#funcs) {
      if (!f.body) throw new Error(`wasm builder: function ${f.ref.index} has no body`);
      const body: number[] = [];
      // Locals as runs of equal types.
      const runs: [number, ValType][] = [];
      for (const t of f.body.localTypes) {
        const last = runs[runs.length - 1];
        if (last && last[1] === t) last[0]++;
        else runs.push([1, t]);
      }
      uleb(body, runs.length);
      for (const [n, t] of runs) {
        uleb(body, n);
        body.push(TYPE_CODE[t]);
      }
      for (const b of f.body.bytes) body.push(b);
      body.push(0x0b);
      uleb(code, body.length);
      for (const b of body) code.push(b);
    }
    section(10, code);
    if (this.#names.size > 0) section(0, this.#nameSection());
    return new Uint8Array(out);
  }

  /** The custom "name" section: subsection 1 maps function indices (ascending) to names. */
  #nameSection(): number[] {
    const functions: number[] = [];
    const entries = [...this.#names].sort((a, b) => a[0] - b[0]);
    uleb(functions, entries.length);
    for (const [index, text] of entries) {
      uleb(functions, index);
      name(functions, text);
    }
    const content: number[] = [];
    name(content, 'name');
    content.push(1);
    uleb(content, functions.length);
    for (const b of functions) content.push(b);
    return content;
  }
}
