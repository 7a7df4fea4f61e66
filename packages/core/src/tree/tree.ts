// SPDX-License-Identifier: MIT
import { TreeStructureError } from '../errors.js';
import { canGenerateCode } from '../runtime/codegen.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * A pytree: tensors (leaves) nested in arrays, tuples and plain objects. `null` and `undefined`
 * are empty subtrees. Object keys are visited in sorted order, so a structure depends only on the
 * set of keys, never on insertion order (which keeps jit caching predictable).
 * Other values (numbers, strings, booleans) are leaves too, but transformations accept them only
 * where static data is allowed.
 */
export type Tree =
  | Tensor
  | number
  | boolean
  | string
  | null
  | undefined
  | readonly Tree[]
  | { readonly [key: string]: Tree };

/** A tree with the same structure as T but leaves of type L. */
export type MapLeaves<T, L> = T extends Tensor | number | boolean | string
  ? L
  : T extends null | undefined
    ? T
    : { [K in keyof T]: MapLeaves<T[K], L> };

type Node =
  | { kind: 'leaf' }
  | { kind: 'none'; value: null | undefined }
  | { kind: 'array'; children: Node[] }
  | { kind: 'object'; keys: string[]; children: Node[] };

/** The shape of a pytree without its leaves: what `flatten` removes and `unflatten` restores. */
export class TreeDef {
  readonly numLeaves: number;
  #key?: string;

  constructor(readonly root: Node) {
    let n = 0;
    walk(root, (node) => {
      if (node.kind === 'leaf') n++;
    });
    this.numLeaves = n;
  }

  /** A canonical string of the structure, for equality checks and cache keys. */
  get key(): string {
    if (this.#key === undefined) this.#key = describe(this.root);
    return this.#key;
  }

  #builder?: ((leaves: readonly unknown[]) => unknown) | null;
  #matcher?: ((tree: unknown) => unknown[] | null) | null;

  /**
   * A function specialised to this structure that rebuilds a tree from leaves (an object
   * literal), or null for trees too large to be worth it. jit calls it on every call.
   */
  get builder(): ((leaves: readonly unknown[]) => unknown) | null {
    if (this.#builder === undefined) this.#builder = orNull(() => specialise(this.root, 'build'));
    return this.#builder;
  }

  /** Like `leavesIfStructure(this, tree)`, specialised to this structure (or null). */
  get matcher(): ((tree: unknown) => unknown[] | null) | null {
    if (this.#matcher === undefined) this.#matcher = orNull(() => specialise(this.root, 'match'));
    return this.#matcher;
  }

  equals(other: TreeDef): boolean {
    return this.key === other.key;
  }

  toString(): string {
    return `TreeDef(${this.key})`;
  }
}

/**
 * Null where generating code is forbidden (a Content-Security-Policy without 'unsafe-eval'):
 * callers then use the generic flatten and unflatten. Checked first, so a page under such a
 * policy does not log a violation per structure.
 */
function orNull<F>(make: () => F | null): F | null {
  if (!canGenerateCode()) return null;
  try {
    return make();
  } catch (e) {
    if (e instanceof EvalError) return null;
    throw e;
  }
}

/** Structures up to this many nodes get specialised builder and matcher functions. */
const SPECIALISE_LIMIT = 256;

/**
 * Generates straight-line code for one structure: an object literal that rebuilds it, or a
 * sequence of checks that extracts its leaves. Generated once per structure, so jit's per-call
 * cost of flattening arguments and rebuilding results is a few property reads.
 */
function specialise<K extends 'build' | 'match'>(
  root: Node,
  kind: K,
): K extends 'build'
  ? ((leaves: readonly unknown[]) => unknown) | null
  : ((tree: unknown) => unknown[] | null) | null {
  type Result = K extends 'build'
    ? ((leaves: readonly unknown[]) => unknown) | null
    : ((tree: unknown) => unknown[] | null) | null;
  let nodes = 0;
  walk(root, () => {
    nodes++;
  });
  if (nodes > SPECIALISE_LIMIT) return null as Result;
  if (kind === 'build') {
    let leaf = 0;
    const expr = (node: Node): string => {
      switch (node.kind) {
        case 'leaf':
          return `l[${leaf++}]`;
        case 'none':
          return node.value === null ? 'null' : 'undefined';
        case 'array':
          return `[${node.children.map(expr).join(', ')}]`;
        case 'object':
          return `{${node.children.map((c, i) => `${JSON.stringify(node.keys[i])}: ${expr(c)}`).join(', ')}}`;
      }
    };
    return new Function('l', `return ${expr(root)};`) as Result;
  }
  const lines: string[] = ['const out = [];'];
  let n = 0;
  const visit = (node: Node, value: string): void => {
    switch (node.kind) {
      case 'leaf':
        lines.push(`if (!isLeaf(${value})) return null;`, `out.push(${value});`);
        return;
      case 'none':
        lines.push(`if (${value} !== ${node.value === null ? 'null' : 'undefined'}) return null;`);
        return;
      case 'array': {
        const v = `v${n++}`;
        lines.push(
          `const ${v} = ${value};`,
          `if (!Array.isArray(${v}) || ${v}.length !== ${node.children.length}) return null;`,
        );
        node.children.forEach((c, i) => {
          visit(c, `${v}[${i}]`);
        });
        return;
      }
      case 'object': {
        const v = `v${n++}`;
        lines.push(
          `const ${v} = ${value};`,
          `if (!isPlainObject(${v}) || Object.keys(${v}).length !== ${node.keys.length}) return null;`,
        );
        node.children.forEach((c, i) => {
          const k = JSON.stringify(node.keys[i]);
          lines.push(`if (!Object.hasOwn(${v}, ${k})) return null;`);
          visit(c, `${v}[${k}]`);
        });
        return;
      }
    }
  };
  visit(root, 't');
  lines.push('return out;');
  const isLeaf = (x: unknown) =>
    x !== null && x !== undefined && !Array.isArray(x) && !isPlainObject(x);
  return new Function('isLeaf', 'isPlainObject', `return (t) => {\n${lines.join('\n')}\n};`)(
    isLeaf,
    isPlainObject,
  ) as Result;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  if (x === null || typeof x !== 'object') return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

// Iterative pre-order walk (trees can be deep, e.g. long lists of per-step states).
function walk(root: Node, visit: (node: Node) => void): void {
  const stack: Node[] = [root];
  while (stack.length > 0) {
    const node = stack.pop()!;
    visit(node);
    if (node.kind === 'array' || node.kind === 'object') {
      for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
    }
  }
}

function describe(root: Node): string {
  // Post-order rendering with an explicit stack of partially built strings.
  const render = (node: Node): string => {
    const out: string[] = [];
    const stack: (Node | string)[] = [node];
    while (stack.length > 0) {
      const top = stack.pop()!;
      if (typeof top === 'string') {
        out.push(top);
        continue;
      }
      if (top.kind === 'leaf') out.push('*');
      else if (top.kind === 'none') out.push(top.value === null ? 'null' : 'undefined');
      else {
        const items: (Node | string)[] = [top.kind === 'array' ? '[' : '{'];
        top.children.forEach((c, i) => {
          if (i > 0) items.push(',');
          if (top.kind === 'object') items.push(`${JSON.stringify(top.keys[i])}:`);
          items.push(c);
        });
        items.push(top.kind === 'array' ? ']' : '}');
        for (let i = items.length - 1; i >= 0; i--) stack.push(items[i]);
      }
    }
    return out.join('');
  };
  return render(root);
}

/**
 * Flattens a tree into its leaves (depth-first, sorted object keys) and its structure.
 * @example
 * const [leaves, def] = tree.flatten<Tensor>({ w: tensor([1, 2]), b: tensor([0.5]) });
 * // leaves in sorted key order: [b, w]; tree.unflatten(def, leaves) rebuilds the object
 */
export function flatten<L = unknown>(tree: unknown): [L[], TreeDef] {
  const leaves: L[] = [];
  const build = (value: unknown): Node => {
    if (value === null || value === undefined) return { kind: 'none', value };
    if (Array.isArray(value)) return { kind: 'array', children: [] };
    if (isPlainObject(value))
      return { kind: 'object', keys: Object.keys(value).sort(), children: [] };
    return { kind: 'leaf' };
  };
  const root = build(tree);
  const stack: [unknown, Node][] = [[tree, root]];
  const order: [unknown, Node][] = [];
  while (stack.length > 0) {
    const [value, node] = stack.pop()!;
    order.push([value, node]);
    if (node.kind === 'array' || node.kind === 'object') {
      const kids =
        node.kind === 'array'
          ? (value as unknown[])
          : node.keys.map((k) => (value as Record<string, unknown>)[k]);
      const built = kids.map(build);
      node.children.push(...built);
      for (let i = kids.length - 1; i >= 0; i--) stack.push([kids[i], built[i]]);
    }
  }
  for (const [value, node] of order) if (node.kind === 'leaf') leaves.push(value as L);
  return [leaves, new TreeDef(root)];
}

/** Rebuilds a tree of structure `def` from `leaves` (the inverse of `flatten`). */
export function unflatten<T = Tree>(def: TreeDef, leaves: readonly unknown[]): T {
  if (leaves.length !== def.numLeaves) {
    throw new TreeStructureError(
      `unflatten: the structure ${def.key} has ${def.numLeaves} leaves but ${leaves.length} were given.`,
    );
  }

  // Pre-order, like flatten, so leaves are consumed in the order flatten produced them.
  let next = 0;
  const box: { root?: unknown } = {};
  const stack: [Node, object, string | number][] = [[def.root, box, 'root']];
  while (stack.length > 0) {
    const [node, parent, slot] = stack.pop()!;
    let value: unknown;
    if (node.kind === 'leaf') value = leaves[next++];
    else if (node.kind === 'none') value = node.value;
    else value = node.kind === 'array' ? new Array(node.children.length) : {};
    (parent as Record<string | number, unknown>)[slot] = value;
    if (node.kind === 'array' || node.kind === 'object') {
      for (let i = node.children.length - 1; i >= 0; i--) {
        stack.push([node.children[i], value as object, node.kind === 'array' ? i : node.keys[i]]);
      }
    }
  }
  const root = box.root;
  return root as T;
}

/**
 * The leaves of `tree` in flatten order if its structure is `def`, else null. Allocates nothing
 * but the result, so jit can check a call against its last signature cheaply.
 */
export function leavesIfStructure(def: TreeDef, tree: unknown): unknown[] | null {
  const out: unknown[] = [];
  const stack: [Node, unknown][] = [[def.root, tree]];
  while (stack.length > 0) {
    const [node, value] = stack.pop()!;
    switch (node.kind) {
      case 'leaf':
        if (value === null || value === undefined || Array.isArray(value) || isPlainObject(value))
          return null;
        out.push(value);
        break;
      case 'none':
        if (value !== node.value) return null;
        break;
      case 'array':
        if (!Array.isArray(value) || value.length !== node.children.length) return null;
        for (let i = node.children.length - 1; i >= 0; i--)
          stack.push([node.children[i], value[i]]);
        break;
      case 'object': {
        if (!isPlainObject(value)) return null;
        let n = 0;
        for (const k in value) if (Object.hasOwn(value, k)) n++;
        if (n !== node.keys.length) return null;
        for (let i = node.children.length - 1; i >= 0; i--) {
          const k = node.keys[i];
          if (!Object.hasOwn(value, k)) return null;
          stack.push([node.children[i], value[k]]);
        }
        break;
      }
    }
  }
  return out;
}

/** The leaves of a tree, in flatten order. */
export function leaves<L = unknown>(tree: unknown): L[] {
  return flatten<L>(tree)[0];
}

/** The structure of a tree. */
export function structure(tree: unknown): TreeDef {
  return flatten(tree)[1];
}

/** Key paths of every leaf, in flatten order, e.g. `.cell.wx` or `[1].b`. */
export function keyPaths(tree: unknown): string[] {
  const paths: string[] = [];
  const stack: [unknown, string][] = [[tree, '']];
  while (stack.length > 0) {
    const [value, path] = stack.pop()!;
    if (value === null || value === undefined) continue;
    if (Array.isArray(value)) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([value[i], `${path}[${i}]`]);
    } else if (isPlainObject(value)) {
      const keys = Object.keys(value).sort();
      for (let i = keys.length - 1; i >= 0; i--) stack.push([value[keys[i]], `${path}.${keys[i]}`]);
    } else paths.push(path || '<root>');
  }
  return paths;
}

/**
 * Explains, path by path, why two trees differ in structure (empty when they match). Every
 * structural error message is built from this, so users see *where* trees disagree.
 */
export function equalityErrors(a: unknown, b: unknown, limit = 5): string[] {
  const errors: string[] = [];
  const stack: [unknown, unknown, string][] = [[a, b, '']];
  const kind = (x: unknown) =>
    x === null
      ? 'null'
      : x === undefined
        ? 'undefined'
        : Array.isArray(x)
          ? 'array'
          : isPlainObject(x)
            ? 'object'
            : 'leaf';
  while (stack.length > 0 && errors.length < limit) {
    const [x, y, path] = stack.pop()!;
    const at = path || '<root>';
    const kx = kind(x);
    const ky = kind(y);
    if (kx !== ky) {
      errors.push(`at ${at}: ${kx} vs ${ky}`);
    } else if (kx === 'array') {
      const xs = x as unknown[];
      const ys = y as unknown[];
      if (xs.length !== ys.length)
        errors.push(`at ${at}: array of length ${xs.length} vs ${ys.length}`);
      else for (let i = xs.length - 1; i >= 0; i--) stack.push([xs[i], ys[i], `${path}[${i}]`]);
    } else if (kx === 'object') {
      const kxs = Object.keys(x as object).sort();
      const kys = Object.keys(y as object).sort();
      const onlyX = kxs.filter((k) => !kys.includes(k));
      const onlyY = kys.filter((k) => !kxs.includes(k));
      if (onlyX.length > 0 || onlyY.length > 0) {
        errors.push(
          `at ${at}: keys differ (only in the first: [${onlyX.join(', ')}]; only in the second: [${onlyY.join(', ')}])`,
        );
      } else {
        for (let i = kxs.length - 1; i >= 0; i--) {
          const k = kxs[i];
          stack.push([
            (x as Record<string, unknown>)[k],
            (y as Record<string, unknown>)[k],
            `${path}.${k}`,
          ]);
        }
      }
    }
  }
  return errors;
}

/**
 * Applies `f` to every leaf of `tree` (and the matching leaves of `rest`, which must share its
 * structure), returning a tree of the same shape.
 * @example
 * const params = { w: tensor([1, 2]), b: tensor([0.5]) };
 * const grads = { w: tensor([0.1, 0.1]), b: tensor([1]) };
 * const next = tree.map((p: Tensor, g: Tensor) => p.sub(g.mul(0.1)), params, grads); // { w, b }
 */
export function map<T, R = unknown>(
  f: (leaf: Tensor, ...rest: Tensor[]) => R,
  tree: T,
  ...rest: unknown[]
): MapLeaves<T, R> {
  const [ls, def] = flatten<Tensor>(tree);
  const others = rest.map((r, i) => {
    const [rl, rdef] = flatten<Tensor>(r);
    if (!rdef.equals(def)) {
      throw new TreeStructureError(
        `tree.map: tree #${i + 2} does not match the first tree's structure:\n  ` +
          equalityErrors(tree, r).join('\n  '),
      );
    }
    return rl;
  });
  return unflatten(
    def,
    ls.map((leaf, j) => f(leaf, ...others.map((o) => o[j]))),
  ) as MapLeaves<T, R>;
}
