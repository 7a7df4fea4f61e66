// SPDX-License-Identifier: MIT
import { InvalidArgumentError, Tensor, TreeStructureError, tree } from '@loom/core';
import {
  ALIGNMENT,
  type HeaderEntry,
  ITEM_SIZE,
  LITTLE_ENDIAN,
  METADATA_KEY,
  TO_SAFETENSORS,
  tensorName,
} from './format.js';

/** Leaves of `t` with their checkpoint names; every leaf must be a tensor, names unique. */
export function namedLeaves(op: string, t: unknown): [string[], unknown[]] {
  const leaves = tree.leaves(t);
  const names = tree.keyPaths(t).map(tensorName);
  const seen = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) {
      throw new TreeStructureError(
        `${op}: two leaves share the name ${JSON.stringify(name)} (object keys containing '.' ` +
          "or '[' can collide with nested paths); rename the keys.",
      );
    }
    if (name === METADATA_KEY) {
      throw new TreeStructureError(`${op}: the name ${METADATA_KEY} is reserved by the format.`);
    }
    seen.add(name);
  }
  return [names, leaves];
}

function writeData(out: Uint8Array, offset: number, t: Tensor): void {
  const data = t.data();
  if (LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) {
    out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), offset);
    return;
  }
  const view = new DataView(out.buffer, out.byteOffset, out.byteLength);
  for (let i = 0; i < data.length; i++) {
    const at = offset + i * data.BYTES_PER_ELEMENT;
    if (data instanceof Float64Array) view.setFloat64(at, data[i], true);
    else if (data instanceof Float32Array) view.setFloat32(at, data[i], true);
    else view.setInt32(at, data[i], true);
  }
}

/**
 * Serializes a tree of tensors (parameters, optimizer states, or both, e.g. `{ params, opt }`)
 * to safetensors bytes. Tensor names are the key paths (`params.cell.wx`, `opt[0].mu.w`); null
 * subtrees are skipped. `metadata` is stored as the header's `__metadata__` (strings only).
 * Browser-safe: no Node APIs. Use `saveCheckpointFile` from `@loom/nn/node` to write a file.
 */
export function saveCheckpoint(t: unknown, metadata?: Record<string, string>): Uint8Array {
  const [names, leaves] = namedLeaves('saveCheckpoint', t);
  const header: Record<string, HeaderEntry | Record<string, string>> = {};
  if (metadata !== undefined) {
    for (const [k, v] of Object.entries(metadata)) {
      if (typeof v !== 'string') {
        throw new InvalidArgumentError(
          `saveCheckpoint: metadata values must be strings; ${JSON.stringify(k)} is ${typeof v}.`,
        );
      }
    }
    header[METADATA_KEY] = { ...metadata };
  }
  const tensors: Tensor[] = [];
  let offset = 0;
  leaves.forEach((leaf, i) => {
    if (!(leaf instanceof Tensor)) {
      throw new TreeStructureError(
        `saveCheckpoint: the leaf ${names[i]} is ${typeof leaf}; only tensors can be saved ` +
          '(keep static configuration out of the tree).',
      );
    }
    const dtype = TO_SAFETENSORS[leaf.dtype];
    const size = leaf.size * ITEM_SIZE[dtype];
    header[names[i]] = { dtype, shape: [...leaf.shape], data_offsets: [offset, offset + size] };
    offset += size;
    tensors.push(leaf);
  });
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Pad with spaces so the data section starts 8-byte aligned (8 + n is a multiple of 8).
  const n = Math.ceil(json.length / ALIGNMENT) * ALIGNMENT;
  const out = new Uint8Array(8 + n + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  tensors.forEach((t, i) => {
    const entry = header[names[i]] as HeaderEntry;
    writeData(out, 8 + n + entry.data_offsets[0], t);
  });
  return out;
}
