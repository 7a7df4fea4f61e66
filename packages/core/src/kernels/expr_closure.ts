// SPDX-License-Identifier: MIT
// Compiles a kernel expression (expr_parse.ts) into nested closures: the form elementwise
// kernels take where `new Function` is forbidden (a Content-Security-Policy without
// 'unsafe-eval'). Every operator applies the JavaScript operator itself to the same values, so
// results are bitwise those of the generated code, only slower. Variables live in the slots of one
// array (`env`): the kernel's inputs x, y, z first, then every declared name and parameter.
import { InvalidArgumentError } from '../errors.js';
import { type Expr, parseKernelExpression, type Stmt } from './expr_parse.js';
import { SPECIAL_MATH_NAME, specialMath } from './special_math.js';

/** A value an expression can produce (comparisons give booleans, as in JavaScript). */
export type Value = number | boolean | undefined;
type Env = Value[];
type Evaluate = (env: Env) => Value;
/** What a statement did: carried on, or left its loop or function. */
const NORMAL = 0;
const BREAK = 1;
const CONTINUE = 2;
const RETURN = 3;
type Run = (env: Env) => number;

/** A compiled expression: `evaluate` reads its inputs from `env[0..]`, an array of `slots` values. */
export interface ClosureExpression {
  readonly evaluate: (env: Value[]) => Value;
  readonly slots: number;
}

type Binary = (a: number, b: number) => Value;
// The operands are whatever JavaScript values the expression made (booleans included); typing
// them as numbers only lets TypeScript accept the operators, which apply JavaScript's semantics.
const BINARY: Record<string, Binary> = {
  '+': (a, b) => a + b,
  '-': (a, b) => a - b,
  '*': (a, b) => a * b,
  '/': (a, b) => a / b,
  '%': (a, b) => a % b,
  '**': (a, b) => a ** b,
  '<<': (a, b) => a << b,
  '>>': (a, b) => a >> b,
  '>>>': (a, b) => a >>> b,
  '&': (a, b) => a & b,
  '|': (a, b) => a | b,
  '^': (a, b) => a ^ b,
  '<': (a, b) => a < b,
  '>': (a, b) => a > b,
  '<=': (a, b) => a <= b,
  '>=': (a, b) => a >= b,
  // biome-ignore lint/suspicious/noDoubleEquals: the kernel language's own `==`
  '==': (a, b) => a == b,
  // biome-ignore lint/suspicious/noDoubleEquals: the kernel language's own `!=`
  '!=': (a, b) => a != b,
  '===': (a, b) => a === b,
  '!==': (a, b) => a !== b,
};
const UNARY: Record<string, (a: number) => Value> = {
  '-': (a) => -a,
  '+': (a) => +a,
  '!': (a) => !a,
  '~': (a) => ~a,
};
// `SpecialMath` resolves as the generated kernels bind it (kernels/special_math.ts).
const GLOBAL_OBJECTS: Record<string, object> = {
  Math,
  Number,
  [SPECIAL_MATH_NAME]: specialMath,
};

class Compiler {
  slots = 0;
  readonly #scopes: Map<string, number>[] = [new Map()];
  /** The slot of the enclosing arrow function's return value. */
  #returnSlot = -1;

  constructor(
    readonly source: string,
    readonly context: string,
  ) {}

  fail(what: string): never {
    throw new InvalidArgumentError(
      `${this.context}: cannot compile the kernel expression '${this.source}' without ` +
        `new Function: ${what}.`,
    );
  }

  declare(name: string): number {
    const slot = this.slots++;
    this.#scopes[this.#scopes.length - 1].set(name, slot);
    return slot;
  }

  #lookup(name: string): number {
    for (let i = this.#scopes.length - 1; i >= 0; i--) {
      const slot = this.#scopes[i].get(name);
      if (slot !== undefined) return slot;
    }
    return this.fail(
      `the name '${name}' is not defined (kernels see only x, y, z and their own variables)`,
    );
  }

  #scoped<T>(make: () => T): T {
    this.#scopes.push(new Map());
    try {
      return make();
    } finally {
      this.#scopes.pop();
    }
  }

  expr(e: Expr): Evaluate {
    switch (e.kind) {
      case 'literal': {
        const v = e.value;
        return () => v;
      }
      case 'name': {
        const s = this.#lookup(e.name);
        return (env) => env[s];
      }
      case 'global': {
        const v = this.#global(e.object, e.property);
        if (typeof v === 'function') this.fail(`${e.object}.${e.property} used without calling it`);
        return () => v as Value;
      }
      case 'unary': {
        const f = UNARY[e.op];
        const a = this.expr(e.arg);
        return (env) => f(a(env) as number);
      }
      case 'update': {
        const s = this.#lookup(e.name);
        const step = e.op === '++' ? 1 : -1;
        return e.prefix
          ? (env) => store(env, s, +(env[s] as number) + step)
          : (env) => {
              const old = +(env[s] as number);
              env[s] = old + step;
              return old;
            };
      }
      case 'binary': {
        const f = BINARY[e.op];
        const a = this.expr(e.left);
        const b = this.expr(e.right);
        return (env) => f(a(env) as number, b(env) as number);
      }
      case 'logical':
        return logical(e.op, this.expr(e.left), this.expr(e.right));
      case 'cond': {
        const t = this.expr(e.test);
        const a = this.expr(e.then);
        const b = this.expr(e.else);
        return (env) => (t(env) ? a(env) : b(env));
      }
      case 'assign':
        return this.#assign(e.op, this.#lookup(e.name), this.expr(e.value));
      case 'seq': {
        const items = e.items.map((i) => this.expr(i));
        return (env) => {
          let v: Value;
          for (const item of items) v = item(env);
          return v;
        };
      }
      case 'call':
        return this.#call(e.callee, e.args);
      case 'arrow':
        return this.fail('an arrow function that is not called where it is written');
    }
  }

  #global(object: string, property: string): unknown {
    const owner = GLOBAL_OBJECTS[object] as Record<string, unknown>;
    if (!Object.hasOwn(owner, property)) this.fail(`${object}.${property} does not exist`);
    return owner[property];
  }

  #assign(op: string, s: number, value: Evaluate): Evaluate {
    if (op === '=') return (env) => store(env, s, value(env));
    if (op === '&&=') return (env) => (env[s] ? store(env, s, value(env)) : env[s]);
    if (op === '||=') return (env) => (env[s] ? env[s] : store(env, s, value(env)));
    if (op === '??=') return (env) => env[s] ?? store(env, s, value(env));
    const f = BINARY[op.slice(0, -1)];
    return (env) => store(env, s, f(env[s] as number, value(env) as number));
  }

  #call(callee: Expr, argExprs: readonly Expr[]): Evaluate {
    const args = argExprs.map((a) => this.expr(a));
    if (callee.kind === 'global') {
      const f = this.#global(callee.object, callee.property);
      if (typeof f !== 'function')
        this.fail(`${callee.object}.${callee.property} is not a function`);
      const fn = f as (...a: Value[]) => Value;
      if (args.length === 1) {
        const [a] = args;
        return (env) => fn(a(env));
      }
      if (args.length === 2) {
        const [a, b] = args;
        return (env) => fn(a(env), b(env));
      }
      return (env) => fn(...args.map((a) => a(env)));
    }
    if (callee.kind !== 'arrow')
      return this.fail('a call of something other than Math.*, Number.* or an arrow function');
    return this.#scoped(() => {
      const params = callee.params.map((p) => this.declare(p));
      const outerReturn = this.#returnSlot;
      const ret = this.slots++;
      this.#returnSlot = ret;
      const body = this.stmt(callee.body);
      this.#returnSlot = outerReturn;
      return (env: Env) => {
        const values = args.map((a) => a(env));
        for (let i = 0; i < params.length; i++) env[params[i]] = values[i];
        env[ret] = undefined;
        body(env);
        return env[ret];
      };
    });
  }

  stmt(s: Stmt): Run {
    switch (s.kind) {
      case 'empty':
        return () => NORMAL;
      case 'expr': {
        const e = this.expr(s.expr);
        return (env) => {
          e(env);
          return NORMAL;
        };
      }
      case 'decl': {
        const inits = s.inits.map((i) => (i ? this.expr(i) : () => undefined));
        const slots = s.names.map((n) => this.declare(n));
        return (env) => {
          for (let i = 0; i < slots.length; i++) env[slots[i]] = inits[i](env);
          return NORMAL;
        };
      }
      case 'block':
        return this.#scoped(() => {
          const body = s.body.map((b) => this.stmt(b));
          return (env: Env) => {
            for (const b of body) {
              const c = b(env);
              if (c !== NORMAL) return c;
            }
            return NORMAL;
          };
        });
      case 'if': {
        const t = this.expr(s.test);
        const a = this.stmt(s.then);
        const b = s.else ? this.stmt(s.else) : () => NORMAL;
        return (env) => (t(env) ? a(env) : b(env));
      }
      case 'for':
        return this.#scoped(() => {
          const init = s.init ? this.stmt(s.init) : null;
          const test = s.test ? this.expr(s.test) : null;
          const update = s.update ? this.expr(s.update) : null;
          const body = this.stmt(s.body);
          return (env: Env) => {
            init?.(env);
            while (!test || test(env)) {
              const c = body(env);
              if (c === BREAK) break;
              if (c === RETURN) return RETURN;
              update?.(env);
            }
            return NORMAL;
          };
        });
      case 'return': {
        const slot = this.#returnSlot;
        if (slot < 0) this.fail("'return' outside an arrow function");
        const value = s.value ? this.expr(s.value) : () => undefined;
        return (env) => {
          env[slot] = value(env);
          return RETURN;
        };
      }
      case 'break':
        return () => BREAK;
      case 'continue':
        return () => CONTINUE;
    }
  }
}

/** `env[slot] = v` as an expression, like JavaScript's assignment. */
function store(env: Env, slot: number, v: Value): Value {
  env[slot] = v;
  return v;
}

function logical(op: string, a: Evaluate, b: Evaluate): Evaluate {
  if (op === '&&') return (env) => a(env) && b(env);
  if (op === '||') return (env) => a(env) || b(env);
  return (env) => a(env) ?? b(env);
}

const cache = new Map<string, ClosureExpression>();

/**
 * Compiles `source` (a kernel expression over `inputs`, e.g. `['x', 'y']`) into closures; the
 * inputs go in `env[0]`, `env[1]`, ... Cached per source and inputs. Unsupported syntax raises
 * InvalidArgumentError naming `context`, the expression and what was not understood.
 */
export function compileKernelExpression(
  source: string,
  inputs: readonly string[],
  context = 'elementwise kernel',
): ClosureExpression {
  const key = `${inputs.join(',')}|${source}`;
  const known = cache.get(key);
  if (known) return known;
  const ast = parseKernelExpression(source, context);
  const compiler = new Compiler(source, context);
  for (const name of inputs) compiler.declare(name);
  const compiled = { evaluate: compiler.expr(ast), slots: compiler.slots };
  cache.set(key, compiled);
  return compiled;
}
