// SPDX-License-Identifier: MIT
// Selecting a TensorFlow.js backend in Node. The wasm backend fetches its .wasm binaries at
// runtime; in Node it reads them from the file system, so it is pointed at the package's dist/.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export type TfBackend = 'cpu' | 'wasm';

let wasmPathSet = false;

/** Makes `name` the active backend; resolves to null, or to the reason it cannot run here. */
export async function useTfBackend(name: TfBackend): Promise<string | null> {
  try {
    if (name === 'wasm' && !wasmPathSet) {
      const require = createRequire(import.meta.url);
      const pkg = require.resolve('@tensorflow/tfjs-backend-wasm/package.json');
      // A trailing separator: tfjs appends the file names to the prefix as they are.
      setWasmPaths(`${join(dirname(pkg), 'dist')}/`);
      wasmPathSet = true;
    }
    if (!(await tf.setBackend(name))) return `tf.setBackend('${name}') returned false`;
    await tf.ready();
    // The cpu backend's one-time banner recommends tfjs-node, native TensorFlow, which is a
    // different system from the one benchmarked here; mark it as shown.
    const backend = tf.findBackend(name) as { firstUse?: boolean } | null;
    if (backend && 'firstUse' in backend) backend.firstUse = false;
    return tf.getBackend() === name ? null : `active backend is ${tf.getBackend()}`;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
