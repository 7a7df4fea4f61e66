// SPDX-License-Identifier: MIT
import type { Params } from '../trace/primitive.js';
import { type Atom, ClosedJaxpr, Jaxpr, Lit, type Var } from './jaxpr.js';

/** Names variables a, b, ..., z, ba, bb, ... in order of first appearance. */
class Namer {
  #names = new Map<Var, string>();

  name(v: Var): string {
    let n = this.#names.get(v);
    if (n === undefined) {
      n = toLetters(this.#names.size);
      this.#names.set(v, n);
    }
    return n;
  }
}

function toLetters(i: number): string {
  let s = '';
  do {
    s = String.fromCharCode(97 + (i % 26)) + s;
    i = Math.floor(i / 26) - 1;
  } while (i >= 0);
  return s;
}

function formatParam(value: unknown): string | null {
  if (value instanceof Jaxpr || value instanceof ClosedJaxpr) return null; // printed as a block
  if (Array.isArray(value)) return `(${value.map((v) => formatParam(v) ?? '…').join(',')})`;
  if (typeof value === 'object' && value !== null) return JSON.stringify(value);
  return String(value);
}

function formatParams(params: Params): string {
  const parts = Object.entries(params)
    .map(([k, v]) => [k, formatParam(v)] as const)
    .filter(([, v]) => v !== null)
    .map(([k, v]) => `${k}=${v}`);
  return parts.length > 0 ? `[${parts.join(' ')}]` : '';
}

function atom(namer: Namer, a: Atom): string {
  return a instanceof Lit ? String(a.value) : namer.name(a);
}

/**
 * Renders a jaxpr the way JAX does: `{ lambda consts ; args . let eqns in (outs) }`, with a type
 * on every binder and nested programs (scan bodies, cond branches) indented in place.
 */
export function printJaxpr(jaxpr: Jaxpr, numConsts = 0, indent = ''): string {
  const namer = new Namer();
  const binder = (v: Var) => `${namer.name(v)}:${v.aval}`;
  const consts = jaxpr.inBinders.slice(0, numConsts).map(binder).join(' ');
  const args = jaxpr.inBinders.slice(numConsts).map(binder).join(' ');
  const lines = [`{ lambda ${consts}${consts ? ' ' : ''}; ${args}. let`];
  for (const eqn of jaxpr.eqns) {
    const outs = eqn.outBinders.map(binder).join(' ');
    const ins = eqn.inputs.map((a) => atom(namer, a)).join(' ');
    lines.push(`    ${outs} = ${eqn.prim.name}${formatParams(eqn.params)} ${ins}`);
    for (const { name, program } of eqn.prim.higherOrder?.innerPrograms(eqn.params) ?? []) {
      const inner = program as ClosedJaxpr;
      const body = printJaxpr(inner.jaxpr, inner.consts.length, `${indent}      `);
      lines.push(`      ${name}=${body}`);
    }
  }
  lines.push(`  in (${jaxpr.outs.map((a) => atom(namer, a)).join(', ')}) }`);
  return lines.map((l, i) => (i === 0 ? l : indent + l)).join('\n');
}
