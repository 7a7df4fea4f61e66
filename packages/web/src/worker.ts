// SPDX-License-Identifier: MIT
// The training worker: announces what its platform offers, then runs the trainer on the page's
// messages. Typed with the DOM lib plus this narrow view of the worker's global scope.
import type { FromTrainer, ToTrainer } from './protocol.js';
import { runtimeSummary, Trainer } from './trainer.js';

interface WorkerScope {
  postMessage(message: FromTrainer, transfer?: Transferable[]): void;
  onmessage: ((event: MessageEvent<ToTrainer>) => void) | null;
}

const scope = globalThis as unknown as WorkerScope;
const trainer = new Trainer((message, transfer) => scope.postMessage(message, transfer ?? []));
scope.onmessage = (event) => trainer.receive(event.data);
scope.postMessage({ type: 'ready', runtime: runtimeSummary() });
