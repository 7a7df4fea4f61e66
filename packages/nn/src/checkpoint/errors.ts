// SPDX-License-Identifier: MIT
import { LoomError } from '@loom/core';

/** Base class of checkpoint errors. */
export class CheckpointError extends LoomError {}

/** The bytes are not a readable safetensors file (truncated, bad header JSON, bad entries). */
export class CheckpointFormatError extends CheckpointError {}

/**
 * The file is well formed but does not fit the template: missing, extra, mis-shaped or
 * mis-typed tensors (all of them are listed in one message).
 */
export class CheckpointMismatchError extends CheckpointError {}

/**
 * The bytes of one or more tensors do not match the CRC-32 digests Loom's writer recorded in
 * `__metadata__` (a flipped bit, a torn or partial copy); the message names every damaged tensor.
 */
export class CheckpointIntegrityError extends CheckpointError {}
