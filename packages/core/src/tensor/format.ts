// SPDX-License-Identifier: MIT
// Printing tensors the way numpy prints arrays (numpy/core/arrayprint.py, default options): one
// format per tensor so columns line up, the middle of large tensors elided, long rows wrapped.
import type { DType, TypedArray } from './dtype.js';
import { formatShape, type Shape, stridesOf } from './shape.js';

/** numpy's `threshold`: tensors with more elements than this are summarised. */
const SUMMARY_THRESHOLD = 1000;
/** numpy's `edgeitems`: elements kept at each end of a summarised axis. */
const EDGE_ITEMS = 3;
/** numpy's `linewidth`: rows are wrapped before they pass this column. */
const LINE_WIDTH = 75;
/** numpy's `precision`: at most this many digits after the decimal point. */
const PRECISION = 8;

/** The indices shown along an axis of length `n`; -1 marks the elided middle. */
function shownIndices(n: number, summarise: boolean): number[] {
  if (summarise && n > 2 * EDGE_ITEMS) {
    const tail = Array.from({ length: EDGE_ITEMS }, (_, i) => n - EDGE_ITEMS + i);
    return [...Array.from({ length: EDGE_ITEMS }, (_, i) => i), -1, ...tail];
  }
  return Array.from({ length: n }, (_, i) => i);
}

/** Offsets of the elements that will be printed (the edges only, when summarising). */
function shownOffsets(shape: Shape, strides: number[], summarise: boolean): number[] {
  let offsets = [0];
  for (let axis = 0; axis < shape.length; axis++) {
    const indices = shownIndices(shape[axis], summarise).filter((i) => i >= 0);
    offsets = offsets.flatMap((o) => indices.map((i) => o + i * strides[axis]));
  }
  return offsets;
}

/** The shortest decimal that reads back as `x` in its own dtype (float32 needs fewer digits). */
function shortest(x: number, dtype: DType): number {
  if (dtype !== 'float32') return x;
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(x.toPrecision(digits));
    if (Math.fround(candidate) === x) return candidate;
  }
  return x;
}

const stripZeros = (digits: string) => digits.replace(/0+$/, '');

/** `x` in positional notation as [integer part, fraction digits], at most PRECISION of them. */
function positional(x: number): [string, string] {
  let text = String(x);
  if (text.includes('e') || (text.split('.')[1]?.length ?? 0) > PRECISION) {
    text = x.toFixed(PRECISION);
  }
  const [int, frac = ''] = text.split('.');
  return [Object.is(x, -0) ? '-0' : int, stripZeros(frac)];
}

/** `x` in scientific notation as [integer digit, fraction digits, exponent]. */
function scientific(x: number): [string, string, number] {
  let text = x.toExponential();
  if (text.split('e')[0].split('.')[1]?.length > PRECISION) text = x.toExponential(PRECISION);
  const [mantissa, exponent] = text.split('e');
  const [int, frac = ''] = mantissa.split('.');
  return [int, stripZeros(frac), Number(exponent)];
}

const nonFinite = (x: number) => (Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf');

/**
 * numpy's FloatingFormat: scientific notation when the magnitudes span more than 1e3, reach 1e8
 * or go below 1e-4; otherwise positional. Every value gets the same number of digits after the
 * point (spaces pad positional ones, zeros scientific ones) and the same width.
 */
function floatFormatter(values: number[]): (x: number) => string {
  const finite = values.filter(Number.isFinite);
  const magnitudes = finite.map(Math.abs).filter((a) => a !== 0);
  const max = magnitudes.length > 0 ? Math.max(...magnitudes) : 0;
  const min = magnitudes.length > 0 ? Math.min(...magnitudes) : 0;
  const exponential = max >= 1e8 || min < 1e-4 || max / min > 1e3;
  let body: (x: number) => string;
  if (exponential) {
    const parts = finite.map(scientific);
    const intWidth = Math.max(...parts.map(([i]) => i.length));
    const fracWidth = Math.max(...parts.map(([, f]) => f.length));
    const expWidth = Math.max(2, ...parts.map(([, , e]) => String(Math.abs(e)).length));
    body = (x) => {
      const [int, frac, e] = scientific(x);
      const exp = `${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(expWidth, '0')}`;
      return `${int.padStart(intWidth)}.${frac.padEnd(fracWidth, '0')}e${exp}`;
    };
  } else {
    const parts = finite.map(positional);
    const intWidth = Math.max(...parts.map(([i]) => i.length));
    const fracWidth = Math.max(...parts.map(([, f]) => f.length));
    body = (x) => {
      const [int, frac] = positional(x);
      return `${int.padStart(intWidth)}.${frac.padEnd(fracWidth)}`;
    };
  }
  const width = Math.max(
    ...values.map((x) => (Number.isFinite(x) ? body(x).length : nonFinite(x).length)),
  );
  return (x) => (Number.isFinite(x) ? body(x) : nonFinite(x)).padStart(width);
}

/** One function for every element of a tensor, so all its elements share a width. */
function elementFormatter(values: number[], dtype: DType): (x: number) => string {
  if (dtype === 'bool' || dtype === 'int32') {
    const text = (x: number) => (dtype === 'bool' ? String(x !== 0) : String(x));
    const width = Math.max(0, ...values.map((x) => text(x).length));
    return (x) => text(x).padStart(width);
  }
  return floatFormatter(values.map((x) => shortest(x, dtype)));
}

/** Appends `word` to the current line, starting a new one when it would pass `width`. */
function extendLine(
  done: string,
  line: string,
  word: string,
  width: number,
  indent: string,
): [string, string] {
  if (line.length + word.length > width && line.length > indent.length) {
    return [`${done}${line.trimEnd()}\n`, indent + word];
  }
  return [done, line + word];
}

/**
 * The body of a numpy repr (`[[1., 2.],\n [3., 4.]]`) for a row-major buffer; `prefix` is the text
 * printed before it on the first line, so continuation lines can be indented under the bracket.
 */
export function formatValues(buffer: TypedArray, shape: Shape, dtype: DType, prefix = ''): string {
  const size = shape.reduce((a, b) => a * b, 1);
  if (size === 0) return '[]';
  const strides = stridesOf(shape);
  const summarise = size > SUMMARY_THRESHOLD;
  const shown = shownOffsets(shape, strides, summarise).map((o) => buffer[o]);
  const element = elementFormatter(shown, dtype);
  const ndim = shape.length;
  // Recursion depth is the rank, not the size. This mirrors numpy's _formatArray.
  const block = (offset: number, axis: number, indent: string, width: number): string => {
    if (axis === ndim) return element(buffer[offset]);
    const inner = `${indent} `;
    const indices = shownIndices(shape[axis], summarise);
    let text = '';
    if (axis === ndim - 1) {
      let line = indent;
      indices.forEach((i, k) => {
        const last = k === indices.length - 1;
        const word = i < 0 ? '...' : element(buffer[offset + i * strides[axis]]);
        // Room for the comma after each element, or the closing bracket after the last.
        [text, line] = extendLine(text, line, word, width - 1, indent);
        if (!last) line += ', ';
      });
      text += line;
    } else {
      const separator = `,${'\n'.repeat(ndim - axis - 1)}`;
      text = indices
        .map((i) =>
          i < 0
            ? `${indent}...`
            : indent + block(offset + i * strides[axis], axis + 1, inner, width - 1),
        )
        .join(separator);
    }
    return `[${text.slice(indent.length)}]`;
  };
  // The first line's indent counts the prefix and the outer bracket, as numpy's does.
  return block(0, 0, ' '.repeat(prefix.length + 1), LINE_WIDTH);
}

/**
 * numpy-like printing of a concrete tensor: `Tensor(float32[2,2]) [[1., 2.],` / `[3., 4.]]` with
 * the dtype and shape first, one shared width per tensor, and the middle of tensors with more than
 * 1000 elements elided as `...` (3 items kept at each end of every axis).
 */
export function formatTensor(buffer: TypedArray, shape: Shape, dtype: DType): string {
  const prefix = `Tensor(${dtype}${formatShape(shape)}) `;
  return prefix + formatValues(buffer, shape, dtype, prefix);
}

/** How a traced (abstract) value prints: its type only, e.g. `Traced<float32[4,3]> (jvp)`. */
export function formatTraced(shape: Shape, dtype: DType, transformation: string): string {
  return `Traced<${dtype}${formatShape(shape)}> (${transformation})`;
}
