// SPDX-License-Identifier: MIT
// The safetensors layout (https://github.com/huggingface/safetensors):
//   [u64 little-endian N][N bytes of UTF-8 JSON header, space-padded][raw little-endian data]
// The header maps tensor names to {dtype, shape, data_offsets: [begin, end]} (offsets relative
// to the start of the data section) plus an optional "__metadata__" string map.
import type { DType } from '@loom/core';

/** The safetensors dtype names Loom reads and writes. */
export type SafetensorsDtype = 'F32' | 'F64' | 'I32' | 'BOOL';

/** Loom dtype → safetensors dtype name. */
export const TO_SAFETENSORS: Record<DType, SafetensorsDtype> = {
  float32: 'F32',
  float64: 'F64',
  int32: 'I32',
  bool: 'BOOL',
};

/** Safetensors dtype name → Loom dtype. */
export const FROM_SAFETENSORS: Record<SafetensorsDtype, DType> = {
  F32: 'float32',
  F64: 'float64',
  I32: 'int32',
  BOOL: 'bool',
};

/** Bytes per element of each stored dtype (BOOL is one byte, 0 or 1). */
export const ITEM_SIZE: Record<SafetensorsDtype, number> = { F32: 4, F64: 8, I32: 4, BOOL: 1 };

/** One tensor's header entry. */
export interface HeaderEntry {
  dtype: SafetensorsDtype;
  shape: number[];
  data_offsets: [number, number];
}

/** The reserved header key of the free-form string metadata. */
export const METADATA_KEY = '__metadata__';

/** Header and data are aligned to 8 bytes, as the reference implementation writes them. */
export const ALIGNMENT = 8;

/** Whether this machine stores typed arrays little-endian (then bytes can be copied as is). */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * The checkpoint name of a tree path from core's keyPaths: the leading dot is dropped, so
 * `{ params: { cell: { wx } } }` gives `params.cell.wx` and `{ opt: [{ mu: { w } }] }` gives
 * `opt[0].mu.w`. A bare tensor is named `<root>`.
 */
export function tensorName(path: string): string {
  return path.startsWith('.') ? path.slice(1) : path;
}

/**
 * Loom's writer stores a CRC-32 of every tensor's bytes in `__metadata__` under this prefix
 * followed by the tensor name (`loom.crc32.params.w` → 8 hex digits), so a damaged file names
 * the damaged tensors. Files without these keys (other writers) load unverified.
 */
export const DIGEST_PREFIX = 'loom.crc32.';
