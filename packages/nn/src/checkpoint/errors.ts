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
