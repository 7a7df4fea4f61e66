// SPDX-License-Identifier: MIT
import { InvalidArgumentError, Tensor, TreeStructureError, tree } from '@loom/core';
import { crc32Hex } from './crc32.js';
import {
  ALIGNMENT,
  DIGEST_PREFIX,
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

/** The little-endian bytes of `t`'s data, as the file stores them. */
function bytesOf(t: Tensor): Uint8Array {
  const data = t.data();
  if (LITTLE_ENDIAN || data.BYTES_PER_ELEMENT === 1) {
    return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  }
  const out = new Uint8Array(data.byteLength);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) {
    const at = i * data.BYTES_PER_ELEMENT;
    if (data instanceof Float64Array) view.setFloat64(at, data[i], true);
    else if (data instanceof Float32Array) view.setFloat32(at, data[i], true);
    else view.setInt32(at, data[i], true);
  }
  return out;
}

function checkMetadata(metadata: Record<string, string>): void {
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') {
      throw new InvalidArgumentError(
        `saveCheckpoint: metadata values must be strings; ${JSON.stringify(k)} is ${typeof v}.`,
      );
    }
    if (k.startsWith(DIGEST_PREFIX)) {
      throw new InvalidArgumentError(
        `saveCheckpoint: metadata key ${JSON.stringify(k)} uses the prefix ${DIGEST_PREFIX}, ` +
          'reserved for the per-tensor digests Loom writes; rename it.',
      );
    }
  }
}

/**
 * Serializes a tree of tensors (parameters, optimizer states, or both, e.g. `{ params, opt }`)
 * to safetensors bytes. Tensor names are the key paths (`params.cell.wx`, `opt[0].mu.w`); null
 * subtrees are skipped. `metadata` is stored as the header's `__metadata__` (strings only), next
 * to a CRC-32 of each tensor's bytes (`loom.crc32.<name>`) that `loadCheckpoint` verifies.
 * Browser-safe: no Node APIs. Use `saveCheckpointFile` from `@loom/nn/node` to write a file.
 * @example
 * const params = linear.init(random.key(0), { inFeatures: 3, outFeatures: 2 });
 * const bytes = saveCheckpoint({ params }, { step: '100' });
 * // The template gives the structure, shapes and dtypes:
 * const restored = loadCheckpoint(bytes, { params });
 */
export function saveCheckpoint(t: unknown, metadata: Record<string, string> = {}): Uint8Array {
  const [names, leaves] = namedLeaves('saveCheckpoint', t);
  checkMetadata(metadata);
  const meta: Record<string, string> = { ...metadata };
  const header: Record<string, HeaderEntry | Record<string, string>> = { [METADATA_KEY]: meta };
  const blocks: Uint8Array[] = [];
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
    const block = bytesOf(leaf);
    header[names[i]] = { dtype, shape: [...leaf.shape], data_offsets: [offset, offset + size] };
    meta[`${DIGEST_PREFIX}${names[i]}`] = crc32Hex(block);
    offset += size;
    blocks.push(block);
  });
  if (Object.keys(meta).length === 0) delete header[METADATA_KEY];
  const json = new TextEncoder().encode(JSON.stringify(header));
  // Pad with spaces so the data section starts 8-byte aligned (8 + n is a multiple of 8).
  const n = Math.ceil(json.length / ALIGNMENT) * ALIGNMENT;
  const out = new Uint8Array(8 + n + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(n), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + n);
  let at = 8 + n;
  for (const block of blocks) {
    out.set(block, at);
    at += block.length;
  }
  return out;
}
