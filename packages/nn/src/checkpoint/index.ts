// SPDX-License-Identifier: MIT
export {
  CheckpointError,
  CheckpointFormatError,
  CheckpointIntegrityError,
  CheckpointMismatchError,
} from './errors.js';
export type { SafetensorsDtype } from './format.js';
export { checkpointEntries, checkpointMetadata, loadCheckpoint } from './load.js';
export { saveCheckpoint } from './save.js';
