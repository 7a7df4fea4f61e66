// SPDX-License-Identifier: MIT
import { type DType, ShapedArray, Tensor, type TypedArray, tensor, tree } from '@loom/core';
import { crc32Hex } from './crc32.js';
import {
  CheckpointFormatError,
  CheckpointIntegrityError,
  CheckpointMismatchError,
} from './errors.js';
import {
  DIGEST_PREFIX,
  FROM_SAFETENSORS,
  type HeaderEntry,
  ITEM_SIZE,
  LITTLE_ENDIAN,
  METADATA_KEY,
  type SafetensorsDtype,
  TO_SAFETENSORS,
} from './format.js';
import { checkDataLayout } from './layout.js';
import { namedLeaves } from './save.js';

/** A parsed safetensors file: its entries, metadata, and where the data section starts. */
interface Parsed {
  entries: Map<string, HeaderEntry>;
  metadata: Record<string, string>;
  dataStart: number;
}

const isIndex = (x: unknown): x is number => Number.isSafeInteger(x) && (x as number) >= 0;

function parse(bytes: Uint8Array): Parsed {
  if (bytes.length < 8) {
    throw new CheckpointFormatError(
      `loadCheckpoint: truncated file: ${bytes.length} bytes, but the 8-byte header length ` +
        'alone needs 8.',
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getBigUint64(0, true);
  if (n > BigInt(bytes.length - 8)) {
    throw new CheckpointFormatError(
      `loadCheckpoint: truncated file: the header claims ${n} bytes but only ` +
        `${bytes.length - 8} follow the length field.`,
    );
  }
  const headerLength = Number(n);
  let header: unknown;
  try {
    const text = new TextDecoder('utf-8', { fatal: true }).decode(
      bytes.subarray(8, 8 + headerLength),
    );
    header = JSON.parse(text);
  } catch (e) {
    throw new CheckpointFormatError(
      `loadCheckpoint: the header is not valid UTF-8 JSON (${(e as Error).message}); ` +
        'the bytes are not a safetensors file, or are corrupted.',
    );
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw new CheckpointFormatError('loadCheckpoint: the header must be a JSON object.');
  }
  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const entries = new Map<string, HeaderEntry>();
  let metadata: Record<string, string> = {};
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === METADATA_KEY) {
      const ok =
        raw !== null &&
        typeof raw === 'object' &&
        Object.values(raw as object).every((v) => typeof v === 'string');
      if (!ok) {
        throw new CheckpointFormatError(
          `loadCheckpoint: ${METADATA_KEY} must map strings to strings.`,
        );
      }
      metadata = raw as Record<string, string>;
      continue;
    }
    const e = raw as Partial<HeaderEntry> | null;
    const dtype = e?.dtype as SafetensorsDtype | undefined;
    if (dtype === undefined || !(dtype in ITEM_SIZE)) {
      throw new CheckpointFormatError(
        `loadCheckpoint: tensor ${JSON.stringify(name)} has dtype ${JSON.stringify(dtype)}; ` +
          `supported: ${Object.keys(ITEM_SIZE).join(', ')}.`,
      );
    }
    const shape = e?.shape;
    const offsets = e?.data_offsets;
    if (!Array.isArray(shape) || !shape.every(isIndex)) {
      throw new CheckpointFormatError(
        `loadCheckpoint: tensor ${JSON.stringify(name)} has an invalid shape ${JSON.stringify(shape)}.`,
      );
    }
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isIndex)) {
      throw new CheckpointFormatError(
        `loadCheckpoint: tensor ${JSON.stringify(name)} has invalid data_offsets ${JSON.stringify(offsets)}.`,
      );
    }
    const [begin, end] = offsets;
    const expected = shape.reduce((a, b) => a * b, 1) * ITEM_SIZE[dtype];
    if (end < begin) {
      throw new CheckpointFormatError(
        `loadCheckpoint: tensor ${JSON.stringify(name)} has unsorted data_offsets ` +
          `[${begin}, ${end}]: the end comes before the beginning.`,
      );
    }
    if (end - begin !== expected) {
      throw new CheckpointFormatError(
        `loadCheckpoint: tensor ${JSON.stringify(name)} (${dtype} [${shape.join(', ')}]) needs ` +
          `${expected} bytes but its data_offsets [${begin}, ${end}] span ${end - begin}.`,
      );
    }
    if (end > dataLength) {
      throw new CheckpointFormatError(
        `loadCheckpoint: truncated file: tensor ${JSON.stringify(name)} ends at data byte ${end} ` +
          `but the data section has only ${dataLength} bytes.`,
      );
    }
    entries.set(name, { dtype, shape, data_offsets: [begin, end] });
  }
  checkDataLayout(entries, dataLength);
  return { entries, metadata, dataStart };
}

function readData(bytes: Uint8Array, start: number, entry: HeaderEntry): TypedArray {
  const [begin, end] = entry.data_offsets;
  // slice() copies into a fresh, aligned buffer, so typed views are always legal.
  const raw = bytes.slice(start + begin, start + end);
  const count = (end - begin) / ITEM_SIZE[entry.dtype];
  const view = new DataView(raw.buffer);
  switch (entry.dtype) {
    case 'BOOL':
      return raw;
    case 'F32': {
      if (LITTLE_ENDIAN) return new Float32Array(raw.buffer);
      return Float32Array.from({ length: count }, (_, i) => view.getFloat32(4 * i, true));
    }
    case 'F64': {
      if (LITTLE_ENDIAN) return new Float64Array(raw.buffer);
      return Float64Array.from({ length: count }, (_, i) => view.getFloat64(8 * i, true));
    }
    case 'I32': {
      if (LITTLE_ENDIAN) return new Int32Array(raw.buffer);
      return Int32Array.from({ length: count }, (_, i) => view.getInt32(4 * i, true));
    }
  }
}

function typeOf(leaf: unknown): { shape: readonly number[]; dtype: DType } | undefined {
  if (leaf instanceof Tensor || leaf instanceof ShapedArray) {
    return { shape: leaf.shape, dtype: leaf.dtype };
  }
  return undefined;
}

/**
 * Reads safetensors bytes into a tree with the structure of `template` (a tree of tensors or
 * ShapedArrays, e.g. freshly initialized params and optimizer state: only shapes and dtypes are
 * used). Every problem is reported at once: tensors missing from the file, extra tensors the
 * template does not have, and wrong shapes or dtypes (`CheckpointMismatchError`); truncated
 * bytes or an unreadable header raise `CheckpointFormatError`.
 * @example
 * const bytes = saveCheckpoint({ params, opt: state });
 * const restored = loadCheckpoint(bytes, { params, opt: state }); // same tree, same types
 */
export function loadCheckpoint<T>(bytes: Uint8Array, template: T): T {
  const parsed = parse(bytes);
  const { entries, dataStart } = parsed;
  const [names, leaves] = namedLeaves('loadCheckpoint', template);
  const [, def] = tree.flatten(template);
  const problems: string[] = [];
  const types = leaves.map((leaf, i) => {
    const t = typeOf(leaf);
    if (t === undefined) {
      problems.push(`template leaf ${names[i]} is ${typeof leaf}, not a Tensor or ShapedArray`);
    }
    return t;
  });
  const wanted = new Set(names);
  const missing = names.filter((n) => !entries.has(n));
  const extra = [...entries.keys()].filter((n) => !wanted.has(n));
  if (missing.length > 0) problems.push(`missing from the file: ${missing.join(', ')}`);
  if (extra.length > 0)
    problems.push(`extra in the file (not in the template): ${extra.join(', ')}`);
  names.forEach((name, i) => {
    const entry = entries.get(name);
    const want = types[i];
    if (entry === undefined || want === undefined) return;
    const dtype = FROM_SAFETENSORS[entry.dtype];
    const shapeOk =
      entry.shape.length === want.shape.length && entry.shape.every((d, k) => d === want.shape[k]);
    if (dtype !== want.dtype) {
      problems.push(
        `${name}: dtype ${entry.dtype} (${dtype}) in the file, template wants ${TO_SAFETENSORS[want.dtype]} (${want.dtype})`,
      );
    }
    if (!shapeOk) {
      problems.push(
        `${name}: shape [${entry.shape.join(', ')}] in the file, template wants [${want.shape.join(', ')}]`,
      );
    }
  });
  if (problems.length > 0) {
    throw new CheckpointMismatchError(
      `loadCheckpoint: the checkpoint does not match the template (${problems.length} ` +
        `problem${problems.length === 1 ? '' : 's'}):\n  ${problems.join('\n  ')}`,
    );
  }
  verifyDigests(bytes, parsed);
  const loaded = names.map((name, i) => {
    const entry = entries.get(name)!;
    const want = types[i]!;
    return tensor(readData(bytes, dataStart, entry), { dtype: want.dtype, shape: want.shape });
  });
  return tree.unflatten<T>(def, loaded);
}

/**
 * The `__metadata__` string map of a checkpoint (empty when there is none), without the
 * per-tensor digests Loom's writer adds (`loom.crc32.*`).
 */
export function checkpointMetadata(bytes: Uint8Array): Record<string, string> {
  const entries = Object.entries(parse(bytes).metadata);
  return Object.fromEntries(entries.filter(([k]) => !k.startsWith(DIGEST_PREFIX)));
}

/**
 * Checks every tensor that has a recorded CRC-32 (`loom.crc32.<name>`) against its bytes and
 * raises CheckpointIntegrityError naming all damaged tensors. Files without digests (other
 * writers) pass unverified; a digest for a tensor the file lacks, or one that is not 8 hex
 * digits, is a damaged header.
 */
function verifyDigests(bytes: Uint8Array, { entries, metadata, dataStart }: Parsed): void {
  const damaged: string[] = [];
  for (const [key, stored] of Object.entries(metadata)) {
    if (!key.startsWith(DIGEST_PREFIX)) continue;
    const name = key.slice(DIGEST_PREFIX.length);
    const entry = entries.get(name);
    if (entry === undefined || !/^[0-9a-f]{8}$/.test(stored)) {
      damaged.push(
        entry === undefined
          ? `${key}: a digest for a tensor the file does not hold`
          : `${key}: the digest ${JSON.stringify(stored)} is not 8 hex digits`,
      );
      continue;
    }
    const [begin, end] = entry.data_offsets;
    const actual = crc32Hex(bytes.subarray(dataStart + begin, dataStart + end));
    if (actual !== stored) {
      damaged.push(
        `${name} (data_offsets [${begin}, ${end}]): CRC-32 ${actual}, recorded ${stored}`,
      );
    }
  }
  if (damaged.length > 0) {
    throw new CheckpointIntegrityError(
      `loadCheckpoint: ${damaged.length} damaged tensor${damaged.length === 1 ? '' : 's'} ` +
        `(the bytes no longer match the digests written with them):\n  ${damaged.join('\n  ')}`,
    );
  }
}

/** Names, dtypes and shapes stored in a checkpoint, in header order (for inspection). */
export function checkpointEntries(
  bytes: Uint8Array,
): { name: string; dtype: DType; shape: number[] }[] {
  return [...parse(bytes).entries].map(([name, e]) => ({
    name,
    dtype: FROM_SAFETENSORS[e.dtype],
    shape: [...e.shape],
  }));
}
