// SPDX-License-Identifier: MIT
// Cache keys of jit's static arguments. Two static values share a key only when jit may reuse
// one's traced program for the other, so the key must tell apart everything JSON merges (NaN,
// ±Infinity and null; -0 and 0; functions and undefined, which JSON drops).
import { InvalidArgumentError } from '../errors.js';
import { Tensor } from '../tensor/tensor.js';

const identities = new WeakMap<object, number>();
let nextIdentity = 0;

/** A number unique to this object for as long as it lives. */
function identityOf(o: object): number {
  let id = identities.get(o);
  if (id === undefined) {
    id = nextIdentity++;
    identities.set(o, id);
  }
  return id;
}

function isPlainObject(v: object): boolean {
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

function scalarKey(v: unknown): string | null {
  switch (typeof v) {
    case 'number':
      // Object.is semantics: NaN equals NaN, -0 differs from 0.
      return Object.is(v, -0) ? 'n:-0' : `n:${v}`;
    case 'string':
      return `s:${JSON.stringify(v)}`;
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return `i:${v}`;
    case 'undefined':
      return 'undefined';
    case 'function':
      return `f#${identityOf(v)}`;
    default:
      return v === null ? 'null' : null;
  }
}

type Work =
  | { kind: 'value'; value: unknown; path: string }
  | { kind: 'text'; text: string }
  | { kind: 'leave'; container: object };

/**
 * The cache key of the static argument at `position`. Numbers compare by Object.is; strings,
 * booleans, bigints, null and undefined exactly; functions and non-plain objects (class instances,
 * Maps, Dates) by identity; arrays and plain objects structurally, keys sorted, at any depth
 * (walked with an explicit stack). Tensors, symbols and cyclic structures have no key: they raise
 * InvalidArgumentError naming the position and the path inside the argument.
 */
export function staticKey(value: unknown, position: number): string {
  const parts: string[] = [];
  const open = new Set<object>();
  const stack: Work[] = [{ kind: 'value', value, path: '' }];
  const fail = (path: string, what: string, fix: string): never => {
    const where = path === '' ? '' : ` at ${path}`;
    throw new InvalidArgumentError(
      `jit: static argument ${position} (listed in staticArgnums)${where} is ${what}, which ` +
        `cannot be part of a cache key; ${fix}`,
    );
  };
  while (stack.length > 0) {
    const work = stack.pop()!;
    if (work.kind === 'text') {
      parts.push(work.text);
      continue;
    }
    if (work.kind === 'leave') {
      open.delete(work.container);
      continue;
    }
    const { value: v, path } = work;
    const key = scalarKey(v);
    if (key !== null) {
      parts.push(key);
      continue;
    }
    if (typeof v === 'symbol') {
      fail(path, `a symbol (${String(v)})`, 'pass a string instead.');
    }
    const o = v as object;
    if (o instanceof Tensor) {
      fail(
        path,
        `a Tensor ${o.aval}`,
        'pass tensors as dynamic (traced) arguments, or pass plain numbers as static configuration.',
      );
    }
    const isArray = Array.isArray(o);
    if (!isArray && !isPlainObject(o)) {
      parts.push(`o#${identityOf(o)}`);
      continue;
    }
    if (open.has(o)) {
      fail(path, 'a cyclic structure (it contains itself)', 'break the cycle.');
    }
    open.add(o);
    // Pushed in reverse: the stack pops them in reading order.
    const items: Work[] = [];
    if (isArray) {
      const arr = o as readonly unknown[];
      items.push({ kind: 'text', text: '[' });
      for (let i = 0; i < arr.length; i++) {
        items.push({ kind: 'value', value: arr[i], path: `${path}[${i}]` });
        items.push({ kind: 'text', text: ',' });
      }
      items.push({ kind: 'text', text: ']' });
    } else {
      const rec = o as Record<string, unknown>;
      items.push({ kind: 'text', text: '{' });
      for (const k of Object.keys(rec).sort()) {
        items.push({ kind: 'text', text: `${JSON.stringify(k)}:` });
        items.push({ kind: 'value', value: rec[k], path: `${path}.${k}` });
        items.push({ kind: 'text', text: ',' });
      }
      items.push({ kind: 'text', text: '}' });
    }
    items.push({ kind: 'leave', container: o });
    for (let i = items.length - 1; i >= 0; i--) stack.push(items[i]);
  }
  return parts.join('');
}
