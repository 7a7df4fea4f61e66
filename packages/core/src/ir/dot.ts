// SPDX-License-Identifier: MIT
import { type Atom, type ClosedJaxpr, type Jaxpr, Lit, type Var } from './jaxpr.js';

function quote(s: string): string {
  return s.replace(/"/g, '\\"');
}

/**
 * Graphviz DOT of a jaxpr: inputs, constants and outputs as boxes, equations as ellipses labelled
 * with the primitive and output types, and nested programs (scan bodies, cond branches) drawn as
 * clusters inside. Iterative over nested programs, like every graph walk here.
 */
export function jaxprToDot(root: Jaxpr, numConsts = 0, title = 'jaxpr'): string {
  const lines = [
    `digraph "${quote(title)}" {`,
    '  rankdir=TB;',
    '  node [fontname="Helvetica", fontsize=10];',
  ];
  let nextId = 0;
  const fresh = (prefix: string) => `${prefix}${nextId++}`;
  type Job = {
    jaxpr: Jaxpr;
    numConsts: number;
    indent: string;
    label: string | null;
    close: boolean;
  };
  const queue: (Job | { end: string })[] = [
    { jaxpr: root, numConsts, indent: '  ', label: null, close: false },
  ];
  while (queue.length > 0) {
    const job = queue.shift()!;
    if ('end' in job) {
      lines.push(job.end);
      continue;
    }
    const { jaxpr, indent } = job;
    const inner: (Job | { end: string })[] = [];
    if (job.label !== null) {
      lines.push(
        `${indent}subgraph ${fresh('cluster_')} {`,
        `${indent}  label="${quote(job.label)}"; style=rounded; color=gray50;`,
      );
    }
    const pad = job.label !== null ? `${indent}  ` : indent;
    const ids = new Map<Var, string>();
    jaxpr.inBinders.forEach((v, i) => {
      const id = fresh('v');
      ids.set(v, id);
      const kind = i < job.numConsts ? 'const' : 'in';
      lines.push(
        `${pad}${id} [shape=box, style=filled, fillcolor="${kind === 'const' ? '#f3e5ab' : '#cfe8fc'}", label="${kind} ${v.aval}"];`,
      );
    });
    const src = (a: Atom): string => {
      if (a instanceof Lit) {
        const id = fresh('lit');
        lines.push(`${pad}${id} [shape=plaintext, label="${a.value}"];`);
        return id;
      }
      return ids.get(a)!;
    };
    for (const eqn of jaxpr.eqns) {
      const id = fresh('e');
      const outs = eqn.outBinders.map((v) => String(v.aval)).join(', ');
      lines.push(`${pad}${id} [shape=ellipse, label="${quote(eqn.prim.name)}\\n${quote(outs)}"];`);
      for (const a of eqn.inputs) lines.push(`${pad}${src(a)} -> ${id};`);
      for (const v of eqn.outBinders) ids.set(v, id);
      for (const { name, program } of eqn.prim.higherOrder?.innerPrograms(eqn.params) ?? []) {
        const p = program as ClosedJaxpr;
        inner.push({
          jaxpr: p.jaxpr,
          numConsts: p.consts.length,
          indent: pad,
          label: `${eqn.prim.name} ${name}`,
          close: true,
        });
      }
    }
    jaxpr.outs.forEach((a, i) => {
      const id = fresh('out');
      lines.push(
        `${pad}${id} [shape=box, style=filled, fillcolor="#d5f5d5", label="out ${i}: ${a.aval}"];`,
      );
      lines.push(`${pad}${src(a)} -> ${id};`);
    });
    // Nested programs are emitted right after their parent, each closed by its own brace.
    const closing: (Job | { end: string })[] = [];
    for (const j of inner) closing.push(j);
    if (job.label !== null) closing.push({ end: `${indent}}` });
    queue.unshift(...closing);
  }
  lines.push('}');
  return lines.join('\n');
}
