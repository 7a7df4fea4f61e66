// SPDX-License-Identifier: MIT
export { equalityErrors, flatten, keyPaths, leaves, map, structure, unflatten } from './tree.js';
