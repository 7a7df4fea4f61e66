// SPDX-License-Identifier: MIT
// einsum as existing primitives: repeated labels within an operand become a diagonal (select
// against an iota mask, then a sum), labels no one else needs are summed out early, operands are
// contracted pairwise left to right with dot_general (shared labels still needed later are batch
// axes, the others contracted), and a final transpose orders the output. Every rule and both jit
// lowerings therefore come from those primitives.
import { DtypeError, InvalidArgumentError, ShapeError } from '../errors.js';
import { broadcastTo } from '../prims/broadcast_in_dim.js';
import { eq } from '../prims/comparisons.js';
import { dotGeneral } from '../prims/dot_general.js';
import { iota } from '../prims/iota.js';
import { reduceSum } from '../prims/reduce_sum.js';
import { select } from '../prims/select.js';
import { transpose } from '../prims/transpose.js';
import { formatShape } from '../tensor/shape.js';
import type { Tensor } from '../tensor/tensor.js';

/** An operand with one label per axis ('a'..'z', 'A'..'Z', or '…k' for ellipsis axes). */
interface Labelled {
  x: Tensor;
  labels: string[];
}

const LETTER = /^[a-zA-Z]$/;

function parseTerm(spec: string, term: string, what: string): { letters: string[]; dots: boolean } {
  const dots = term.includes('...');
  const rest = term.replace('...', '');
  const letters = [...rest];
  if (rest.includes('.') || !letters.every((c) => LETTER.test(c))) {
    throw new InvalidArgumentError(
      `einsum: '${spec}': ${what} '${term}' may hold only letters and one '...'.`,
    );
  }
  return { letters, dots };
}

function ellipsisLabels(count: number, total: number): string[] {
  return Array.from({ length: count }, (_, i) => `…${total - count + i}`);
}

/** Labels per operand and for the output (implicit output: numpy's sorted once-only letters). */
function parse(spec: string, operands: readonly Tensor[]): { inputs: string[][]; out: string[] } {
  const compact = spec.replace(/\s+/g, '');
  const arrow = compact.split('->');
  if (arrow.length > 2) throw new InvalidArgumentError(`einsum: '${spec}' has more than one '->'.`);
  const terms = arrow[0].split(',');
  if (terms.length !== operands.length) {
    throw new InvalidArgumentError(
      `einsum: '${spec}' describes ${terms.length} operand(s) but ${operands.length} were given ` +
        `(shapes ${operands.map((o) => formatShape(o.shape)).join(', ')}).`,
    );
  }
  const parsed = terms.map((t, i) => parseTerm(spec, t, `operand ${i}`));
  const dotsRank = parsed.map((p, i) => {
    const extra = operands[i].ndim - p.letters.length;
    if (extra < 0 || (!p.dots && extra !== 0)) {
      throw new ShapeError(
        `einsum: '${spec}': operand ${i} has shape ${formatShape(operands[i].shape)} (rank ` +
          `${operands[i].ndim}) but its term '${terms[i]}' names ${p.letters.length} axes.`,
      );
    }
    return extra;
  });
  const total = Math.max(0, ...dotsRank);
  const inputs = parsed.map((p, i) => {
    if (!p.dots) return p.letters;
    // Before '...' there are only letters, so its position counts them.
    const at = terms[i].indexOf('...');
    return [
      ...p.letters.slice(0, at),
      ...ellipsisLabels(dotsRank[i], total),
      ...p.letters.slice(at),
    ];
  });
  const dotsAll = ellipsisLabels(total, total);
  let out: string[];
  if (arrow.length === 2) {
    const o = parseTerm(spec, arrow[1], 'output');
    const at = arrow[1].indexOf('...');
    out = o.dots ? [...o.letters.slice(0, at), ...dotsAll, ...o.letters.slice(at)] : o.letters;
    const seen = new Set<string>();
    for (const l of out) {
      if (seen.has(l)) {
        throw new InvalidArgumentError(`einsum: '${spec}': output label '${l}' repeats.`);
      }
      seen.add(l);
      if (!l.startsWith('…') && !inputs.some((ls) => ls.includes(l))) {
        throw new InvalidArgumentError(
          `einsum: '${spec}': output label '${l}' appears in no operand.`,
        );
      }
    }
  } else {
    const counts = new Map<string, number>();
    for (const ls of inputs) for (const l of ls) counts.set(l, (counts.get(l) ?? 0) + 1);
    const once = [...counts].filter(([l, c]) => c === 1 && LETTER.test(l)).map(([l]) => l);
    out = [...dotsAll, ...once.sort()];
  }
  return { inputs, out };
}

/** Takes the diagonal of every label repeated within one operand. */
function diagonals(op: Labelled): Labelled {
  let { x, labels } = op;
  for (;;) {
    const j = labels.findIndex((l, k) => labels.indexOf(l) !== k);
    if (j < 0) return { x, labels };
    const i = labels.indexOf(labels[j]);
    const ones = x.shape.map(() => 1);
    const along = (axis: number) => {
      const shape = [...ones];
      shape[axis] = x.shape[axis];
      return iota(shape, axis);
    };
    const onDiagonal = eq(along(i), along(j));
    x = reduceSum(select(onDiagonal, x, 0), [j]);
    labels = labels.filter((_, k) => k !== j);
  }
}

/** Sums out the axes whose labels are not in `keep`. */
function sumOut(op: Labelled, keep: ReadonlySet<string>): Labelled {
  const axes = op.labels.flatMap((l, k) => (keep.has(l) ? [] : [k]));
  if (axes.length === 0) return op;
  return { x: reduceSum(op.x, axes), labels: op.labels.filter((l) => keep.has(l)) };
}

/**
 * Einstein summation, as `jnp.einsum`: `einsum('ij,jk->ik', a, b)` is a matrix product,
 * `einsum('bij,bjk->bik', a, b)` a batched one, `einsum('ii->', a)` the trace and
 * `einsum('...ij->...ji', a)` swaps the last two axes. Without `->` the output holds the labels
 * used once, sorted. Labels repeated within an operand take its diagonal; `...` broadcasts.
 * Operands are contracted left to right with `dotGeneral`.
 */
export function einsum(spec: string, ...operands: Tensor[]): Tensor {
  if (operands.length === 0) {
    throw new InvalidArgumentError(`einsum: '${spec}' needs at least one operand.`);
  }
  const dtype = operands[0].dtype;
  if (operands.some((o) => o.dtype !== dtype) || dtype === 'bool') {
    throw new DtypeError(
      `einsum: '${spec}': operands have dtypes ${operands.map((o) => o.dtype).join(', ')}; ` +
        'they must share one numeric dtype (convert them with astype).',
    );
  }
  const { inputs, out } = parse(spec, operands);
  // Every label has one size; ellipsis axes of size 1 broadcast.
  const sizes = new Map<string, number>();
  inputs.forEach((ls, i) => {
    ls.forEach((l, k) => {
      const n = operands[i].shape[k];
      const known = sizes.get(l);
      const broadcastable = l.startsWith('…') && (known === 1 || n === 1);
      if (known !== undefined && known !== n && !broadcastable) {
        throw new ShapeError(
          `einsum: '${spec}': label '${l.replace(/…\d+/, '...')}' has size ${known} in one place ` +
            `and ${n} in operand ${i} (shapes ${operands.map((o) => formatShape(o.shape)).join(', ')}).`,
        );
      }
      sizes.set(l, Math.max(known ?? 0, n));
    });
  });
  let ops: Labelled[] = operands.map((x, i) => {
    const labels = inputs[i];
    const full = labels.map((l) => sizes.get(l)!);
    return diagonals({
      x: full.some((n, k) => n !== x.shape[k]) ? broadcastTo(x, full) : x,
      labels,
    });
  });
  const needed = (from: number) => {
    const s = new Set(out);
    for (let k = from; k < ops.length; k++) for (const l of ops[k].labels) s.add(l);
    return s;
  };
  // Labels that only one operand has and the output lacks are summed out before any product.
  ops = ops.map((op, i) => {
    const others = new Set(out);
    ops.forEach((o, k) => {
      if (k !== i) for (const l of o.labels) others.add(l);
    });
    return sumOut(op, others);
  });
  let acc = ops[0];
  for (let k = 1; k < ops.length; k++) {
    const later = needed(k + 1);
    const rhs = ops[k];
    acc = sumOut(acc, new Set([...later, ...rhs.labels]));
    const shared = acc.labels.filter((l) => rhs.labels.includes(l));
    const batch = shared.filter((l) => later.has(l));
    const contract = shared.filter((l) => !later.has(l));
    const x = dotGeneral(acc.x, rhs.x, {
      lhsContracting: contract.map((l) => acc.labels.indexOf(l)),
      rhsContracting: contract.map((l) => rhs.labels.indexOf(l)),
      lhsBatch: batch.map((l) => acc.labels.indexOf(l)),
      rhsBatch: batch.map((l) => rhs.labels.indexOf(l)),
    });
    acc = {
      x,
      labels: [
        ...batch,
        ...acc.labels.filter((l) => !shared.includes(l)),
        ...rhs.labels.filter((l) => !shared.includes(l)),
      ],
    };
  }
  acc = sumOut(acc, new Set(out));
  const perm = out.map((l) => acc.labels.indexOf(l));
  return perm.every((p, k) => p === k) ? acc.x : transpose(acc.x, perm);
}
