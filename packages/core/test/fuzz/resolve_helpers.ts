// Pure helpers of the program generator: a hash for derived choices, value bounds per op (so
// generated values stay small enough for finite differences), and static shape rules.
import { refBroadcastShape } from '../arbitraries.js';
import type { BinaryOp, UnaryOp } from './program.js';

/** A deterministic hash of small integers (for choices derived from one gene field). */
export function mix(...ns: number[]): number {
  let h = 0x9e3779b9;
  for (const n of ns) {
    h = Math.imul(h ^ n, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
  }
  return h >>> 0;
}

export const SMOOTH_UNARY: readonly UnaryOp[] = [
  'neg',
  'sin',
  'cos',
  'tanh',
  'logistic',
  'softplus',
  'expTanh',
  'exp',
  'sqrtGuard',
  'logGuard',
  'log1pSquare',
  'rsqrtGuard',
  'erf',
];
export const SMOOTH_BINARY: readonly BinaryOp[] = ['add', 'sub', 'mul', 'divGuard', 'powGuard'];

export function unaryBound(op: UnaryOp, b: number): number {
  switch (op) {
    case 'sin':
    case 'cos':
    case 'tanh':
    case 'logistic':
    case 'rsqrtGuard':
    case 'sign':
      return 1;
    case 'softplus':
    case 'sqrtGuard':
      return b + 1;
    case 'expTanh':
      return Math.E;
    case 'exp':
      return Math.exp(b);
    case 'logGuard':
    case 'log1pSquare':
      return Math.log(b * b + 1);
    case 'logAbs':
      return Math.log(b + 1);
    case 'erf':
      return 1;
    case 'floor':
    case 'ceil':
    case 'round':
      return b + 1;
    default:
      return b;
  }
}

export function binaryBound(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case 'add':
    case 'sub':
      return a + b;
    case 'mul':
      return a * b;
    case 'divGuard':
      return a;
    case 'powGuard':
      return a * a + 1;
    default:
      return Math.max(a, b);
  }
}

export function permutation(seed: number, n: number): number[] {
  const items = Array.from({ length: n }, (_, i) => i);
  const out: number[] = [];
  for (let k = 0; items.length > 0; k++) out.push(items.splice(mix(seed, k) % items.length, 1)[0]);
  return out;
}

export const sameShape = (a: readonly number[], b: readonly number[]) =>
  a.length === b.length && a.every((d, i) => d === b[i]);

export function broadcastOrNull(a: number[], b: number[]): number[] | null {
  try {
    return refBroadcastShape(a, b);
  } catch {
    return null;
  }
}

/** numpy matmul result shape, or null when the operands do not fit. */
export function matmulShape(a: number[], b: number[]): number[] | null {
  if (a.length === 0 || b.length === 0) return null;
  const a2 = a.length === 1 ? [1, a[0]] : a;
  const b2 = b.length === 1 ? [b[0], 1] : b;
  if (a2[a2.length - 1] !== b2[b2.length - 2]) return null;
  const batch = broadcastOrNull(a2.slice(0, -2), b2.slice(0, -2));
  if (batch === null) return null;
  const out = [...batch];
  if (a.length > 1) out.push(a2[a2.length - 2]);
  if (b.length > 1) out.push(b2[b2.length - 1]);
  return out;
}
