// SPDX-License-Identifier: MIT
// What the safetensors format requires of data_offsets, as its reference implementation checks:
// sorted by offset, the tensors tile the data section exactly (no overlap, no gap, no bytes
// after the last one). A violation is a corrupted or hand-edited file, never something to guess
// around: overlapping tensors would silently alias each other's data.
import { CheckpointFormatError } from './errors.js';
import type { HeaderEntry } from './format.js';

const span = (name: string, e: HeaderEntry) =>
  `tensor ${JSON.stringify(name)} with data_offsets [${e.data_offsets[0]}, ${e.data_offsets[1]}]`;

/** Throws CheckpointFormatError unless the entries tile [0, dataLength) exactly. */
export function checkDataLayout(entries: Map<string, HeaderEntry>, dataLength: number): void {
  const sorted = [...entries].sort(
    ([, a], [, b]) =>
      a.data_offsets[0] - b.data_offsets[0] || a.data_offsets[1] - b.data_offsets[1],
  );
  let covered = 0;
  let previous: [string, HeaderEntry] | undefined;
  for (const [name, entry] of sorted) {
    const [begin, end] = entry.data_offsets;
    if (begin < covered && previous !== undefined) {
      throw new CheckpointFormatError(
        `loadCheckpoint: ${span(name, entry)} overlaps ${span(...previous)}; each byte of the ` +
          'data section must belong to exactly one tensor.',
      );
    }
    if (begin > covered) {
      const after = previous === undefined ? 'the start of the data section' : span(...previous);
      throw new CheckpointFormatError(
        `loadCheckpoint: gap of ${begin - covered} bytes before ${span(name, entry)}: data bytes ` +
          `[${covered}, ${begin}) after ${after} belong to no tensor.`,
      );
    }
    covered = end;
    previous = [name, entry];
  }
  if (covered !== dataLength) {
    const last =
      previous === undefined ? 'there are no tensors' : `the last is ${span(...previous)}`;
    throw new CheckpointFormatError(
      `loadCheckpoint: ${dataLength - covered} trailing bytes: the data section has ` +
        `${dataLength} bytes but the tensors cover only [0, ${covered}) (${last}).`,
    );
  }
}
