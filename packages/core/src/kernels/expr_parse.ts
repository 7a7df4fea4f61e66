// SPDX-License-Identifier: MIT
// A parser for the JavaScript subset that elementwise primitives write their kernels in (`expr`,
// `exprOf`, `int32ExprOf` strings): numbers, names, `Math.*` / `Number.*` members and calls,
// `SpecialMath.*` (special_math.ts), unary, binary, logical, conditional and assignment operators, `++`/`--`, parentheses, commas,
// and immediately called arrow functions whose block bodies use `let`/`const`, `if`, `for`,
// `while`, `break`, `continue` and `return`. It feeds the closure compiler
// (expr_closure.ts), which runs kernels where `new Function` is forbidden.
import { InvalidArgumentError } from '../errors.js';
import { SPECIAL_MATH_NAME } from './special_math.js';

export type Expr =
  | { readonly kind: 'literal'; readonly value: number | boolean | undefined }
  | { readonly kind: 'name'; readonly name: string }
  | { readonly kind: 'global'; readonly object: string; readonly property: string }
  | { readonly kind: 'unary'; readonly op: string; readonly arg: Expr }
  | {
      readonly kind: 'update';
      readonly op: '++' | '--';
      readonly prefix: boolean;
      readonly name: string;
    }
  | { readonly kind: 'binary'; readonly op: string; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'logical'; readonly op: string; readonly left: Expr; readonly right: Expr }
  | { readonly kind: 'cond'; readonly test: Expr; readonly then: Expr; readonly else: Expr }
  | { readonly kind: 'assign'; readonly op: string; readonly name: string; readonly value: Expr }
  | { readonly kind: 'seq'; readonly items: readonly Expr[] }
  | { readonly kind: 'call'; readonly callee: Expr; readonly args: readonly Expr[] }
  | { readonly kind: 'arrow'; readonly params: readonly string[]; readonly body: Stmt };

export type Stmt =
  | { readonly kind: 'expr'; readonly expr: Expr }
  | {
      readonly kind: 'decl';
      readonly names: readonly string[];
      readonly inits: readonly (Expr | null)[];
    }
  | { readonly kind: 'block'; readonly body: readonly Stmt[] }
  | { readonly kind: 'if'; readonly test: Expr; readonly then: Stmt; readonly else: Stmt | null }
  | {
      readonly kind: 'for';
      readonly init: Stmt | null;
      readonly test: Expr | null;
      readonly update: Expr | null;
      readonly body: Stmt;
    }
  | { readonly kind: 'return'; readonly value: Expr | null }
  | { readonly kind: 'break' | 'continue' | 'empty' };

interface Token {
  readonly type: 'num' | 'name' | 'punct' | 'end';
  readonly text: string;
  readonly at: number;
}

const NUMBER = /^(?:0[xX][0-9a-fA-F]+|0[bB][01]+|0[oO][0-7]+|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)/;
const NAME = /^[A-Za-z_$][A-Za-z0-9_$]*/;
// Longest first, so `>>>=` is not read as `>>` `>=`.
const PUNCTUATORS = [
  '>>>=',
  '===',
  '!==',
  '>>>',
  '**=',
  '<<=',
  '>>=',
  '&&=',
  '||=',
  '??=',
  '=>',
  '==',
  '!=',
  '<=',
  '>=',
  '&&',
  '||',
  '??',
  '**',
  '<<',
  '>>',
  '++',
  '--',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '&=',
  '|=',
  '^=',
  '+',
  '-',
  '*',
  '/',
  '%',
  '<',
  '>',
  '=',
  '!',
  '~',
  '&',
  '|',
  '^',
  '?',
  ':',
  '(',
  ')',
  '{',
  '}',
  ',',
  ';',
  '.',
];
/** Objects whose members an expression may use. */
const GLOBALS = new Set(['Math', 'Number', SPECIAL_MATH_NAME]);
const KEYWORDS = new Set([
  'let',
  'const',
  'var',
  'if',
  'else',
  'for',
  'while',
  'return',
  'break',
  'continue',
]);
const LITERALS: Record<string, number | boolean | undefined> = {
  true: true,
  false: false,
  NaN: Number.NaN,
  Infinity: Number.POSITIVE_INFINITY,
  undefined: undefined,
};

function tokenize(source: string, fail: (at: number, what: string) => never): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const rest = source.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    const num = NUMBER.exec(rest);
    if (num) {
      tokens.push({ type: 'num', text: num[0], at: i });
      i += num[0].length;
      continue;
    }
    const name = NAME.exec(rest);
    if (name) {
      tokens.push({ type: 'name', text: name[0], at: i });
      i += name[0].length;
      continue;
    }
    const punct = PUNCTUATORS.find((p) => rest.startsWith(p));
    if (!punct) fail(i, `an unsupported character '${rest[0]}'`);
    tokens.push({ type: 'punct', text: punct, at: i });
    i += punct.length;
  }
  tokens.push({ type: 'end', text: 'end of input', at: source.length });
  return tokens;
}

/** Binding power of each binary operator (higher binds tighter), as in JavaScript. */
const BINARY: Record<string, number> = {
  '??': 4,
  '||': 4,
  '&&': 5,
  '|': 6,
  '^': 7,
  '&': 8,
  '==': 9,
  '!=': 9,
  '===': 9,
  '!==': 9,
  '<': 10,
  '>': 10,
  '<=': 10,
  '>=': 10,
  '<<': 11,
  '>>': 11,
  '>>>': 11,
  '+': 12,
  '-': 12,
  '*': 13,
  '/': 13,
  '%': 13,
  '**': 14,
};
const LOGICAL = new Set(['&&', '||', '??']);
const ASSIGN = new Set([
  '=',
  '+=',
  '-=',
  '*=',
  '/=',
  '%=',
  '**=',
  '<<=',
  '>>=',
  '>>>=',
  '&=',
  '|=',
  '^=',
  '&&=',
  '||=',
  '??=',
]);
const UNARY = new Set(['-', '+', '!', '~']);

class Parser {
  #pos = 0;
  readonly #tokens: Token[];

  constructor(
    readonly source: string,
    readonly context: string,
  ) {
    this.#tokens = tokenize(source, (at, what) => this.fail(at, what));
  }

  fail(at: number, what: string): never {
    throw new InvalidArgumentError(
      `${this.context}: cannot compile the kernel expression '${this.source}' without ` +
        `new Function: ${what} at offset ${at}. Kernel expressions may use numbers, x/y/z, ` +
        `Math.*, Number.* and ${SPECIAL_MATH_NAME}.*, operators, ternaries and immediately called arrow functions.`,
    );
  }

  get peek(): Token {
    return this.#tokens[this.#pos];
  }

  #next(): Token {
    return this.#tokens[this.#pos++];
  }

  #is(text: string): boolean {
    const t = this.peek;
    return (t.type === 'punct' || t.type === 'name') && t.text === text;
  }

  #eat(text: string): boolean {
    if (!this.#is(text)) return false;
    this.#pos++;
    return true;
  }

  #expect(text: string): void {
    if (!this.#eat(text))
      this.fail(this.peek.at, `expected '${text}' but found '${this.peek.text}'`);
  }

  #name(): string {
    const t = this.#next();
    if (t.type !== 'name' || KEYWORDS.has(t.text) || t.text in LITERALS) {
      this.fail(t.at, `expected a variable name but found '${t.text}'`);
    }
    return t.text;
  }

  end(): void {
    if (this.peek.type !== 'end') this.fail(this.peek.at, `unexpected '${this.peek.text}'`);
  }

  /** Expression with commas (the comma operator). */
  expression(): Expr {
    const first = this.assignment();
    if (!this.#is(',')) return first;
    const items = [first];
    while (this.#eat(',')) items.push(this.assignment());
    return { kind: 'seq', items };
  }

  assignment(): Expr {
    const start = this.peek;
    const left = this.conditional();
    const op = this.peek.text;
    if (this.peek.type === 'punct' && ASSIGN.has(op)) {
      if (left.kind !== 'name')
        this.fail(start.at, 'an assignment to something other than a variable');
      this.#pos++;
      return { kind: 'assign', op, name: left.name, value: this.assignment() };
    }
    return left;
  }

  conditional(): Expr {
    const test = this.binary(0);
    if (!this.#eat('?')) return test;
    const then = this.assignment();
    this.#expect(':');
    return { kind: 'cond', test, then, else: this.assignment() };
  }

  binary(minPower: number): Expr {
    let left = this.unary();
    for (;;) {
      const t = this.peek;
      const power = t.type === 'punct' ? BINARY[t.text] : undefined;
      if (power === undefined || power <= minPower) return left;
      this.#pos++;
      // `**` is right-associative: its right operand may hold another `**`.
      const right = this.binary(t.text === '**' ? power - 1 : power);
      left = LOGICAL.has(t.text)
        ? { kind: 'logical', op: t.text, left, right }
        : { kind: 'binary', op: t.text, left, right };
    }
  }

  unary(): Expr {
    const t = this.peek;
    if (t.type === 'punct' && UNARY.has(t.text)) {
      this.#pos++;
      return { kind: 'unary', op: t.text, arg: this.unary() };
    }
    if (t.type === 'punct' && (t.text === '++' || t.text === '--')) {
      this.#pos++;
      return { kind: 'update', op: t.text, prefix: true, name: this.#name() };
    }
    const operand = this.postfix();
    const after = this.peek;
    if (after.type === 'punct' && (after.text === '++' || after.text === '--')) {
      if (operand.kind !== 'name')
        this.fail(after.at, `'${after.text}' applied to something other than a variable`);
      this.#pos++;
      return { kind: 'update', op: after.text, prefix: false, name: operand.name };
    }
    return operand;
  }

  postfix(): Expr {
    let e = this.primary();
    while (this.#is('(')) {
      this.#pos++;
      const args: Expr[] = [];
      if (!this.#is(')')) {
        do args.push(this.assignment());
        while (this.#eat(','));
      }
      this.#expect(')');
      e = { kind: 'call', callee: e, args };
    }
    return e;
  }

  primary(): Expr {
    const t = this.peek;
    if (t.type === 'num') {
      this.#pos++;
      return { kind: 'literal', value: Number(t.text) };
    }
    if (t.type === 'name') {
      if (t.text in LITERALS) {
        this.#pos++;
        return { kind: 'literal', value: LITERALS[t.text] };
      }
      if (GLOBALS.has(t.text)) {
        this.#pos++;
        this.#expect('.');
        const property = this.#next();
        if (property.type !== 'name') this.fail(property.at, `expected a member of ${t.text}`);
        return { kind: 'global', object: t.text, property: property.text };
      }
      if (this.#arrowAhead()) return this.#arrow();
      return { kind: 'name', name: this.#name() };
    }
    if (this.#is('(')) {
      if (this.#arrowAhead()) return this.#arrow();
      this.#pos++;
      const inner = this.expression();
      this.#expect(')');
      return inner;
    }
    return this.fail(t.at, `unexpected '${t.text}'`);
  }

  /** Whether an arrow function starts here: `name =>` or `( names ) =>`. */
  #arrowAhead(): boolean {
    const tokens = this.#tokens;
    let k = this.#pos;
    if (tokens[k].type === 'name') return tokens[k + 1]?.text === '=>';
    if (tokens[k].text !== '(') return false;
    k++;
    while (tokens[k].type === 'name' || tokens[k].text === ',') k++;
    return tokens[k].text === ')' && tokens[k + 1]?.text === '=>';
  }

  #arrow(): Expr {
    const params: string[] = [];
    if (this.#eat('(')) {
      if (!this.#is(')')) {
        do params.push(this.#name());
        while (this.#eat(','));
      }
      this.#expect(')');
    } else {
      params.push(this.#name());
    }
    this.#expect('=>');
    const body: Stmt = this.#is('{')
      ? this.statement()
      : { kind: 'return', value: this.assignment() };
    return { kind: 'arrow', params, body };
  }

  statement(): Stmt {
    const t = this.peek;
    if (this.#eat('{')) {
      const body: Stmt[] = [];
      while (!this.#eat('}')) {
        if (this.peek.type === 'end') this.fail(this.peek.at, "expected '}'");
        body.push(this.statement());
      }
      return { kind: 'block', body };
    }
    if (this.#eat(';')) return { kind: 'empty' };
    if (t.type === 'name') {
      switch (t.text) {
        case 'let':
        case 'const':
        case 'var': {
          const decl = this.#declaration();
          this.#eat(';');
          return decl;
        }
        case 'if': {
          this.#pos++;
          this.#expect('(');
          const test = this.expression();
          this.#expect(')');
          const then = this.statement();
          return { kind: 'if', test, then, else: this.#eat('else') ? this.statement() : null };
        }
        case 'for':
          return this.#for();
        case 'while': {
          this.#pos++;
          this.#expect('(');
          const test = this.expression();
          this.#expect(')');
          return { kind: 'for', init: null, test, update: null, body: this.statement() };
        }
        case 'return': {
          this.#pos++;
          const value = this.#is(';') || this.#is('}') ? null : this.expression();
          this.#eat(';');
          return { kind: 'return', value };
        }
        case 'break':
        case 'continue':
          this.#pos++;
          this.#eat(';');
          return { kind: t.text === 'break' ? 'break' : 'continue' };
      }
    }
    const expr = this.expression();
    this.#eat(';');
    return { kind: 'expr', expr };
  }

  #declaration(): Stmt {
    this.#pos++; // let / const / var
    const names: string[] = [];
    const inits: (Expr | null)[] = [];
    do {
      names.push(this.#name());
      inits.push(this.#eat('=') ? this.assignment() : null);
    } while (this.#eat(','));
    return { kind: 'decl', names, inits };
  }

  #for(): Stmt {
    this.#pos++;
    this.#expect('(');
    let init: Stmt | null = null;
    if (this.#is('let') || this.#is('const') || this.#is('var')) init = this.#declaration();
    else if (!this.#is(';')) init = { kind: 'expr', expr: this.expression() };
    this.#expect(';');
    const test = this.#is(';') ? null : this.expression();
    this.#expect(';');
    const update = this.#is(')') ? null : this.expression();
    this.#expect(')');
    return { kind: 'for', init, test, update, body: this.statement() };
  }
}

/** Parses a kernel expression; `context` names the caller in error messages. */
export function parseKernelExpression(source: string, context: string): Expr {
  const parser = new Parser(source, context);
  const expr = parser.expression();
  parser.end();
  return expr;
}
