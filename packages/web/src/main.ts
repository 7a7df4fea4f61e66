// SPDX-License-Identifier: MIT
// The live training page: pick an example, set its hyperparameters, start and stop; charts,
// samples, the traced step and a checkpoint download follow the trainer's messages. Whatever
// the browser lacks (workers, WebAssembly, cross-origin isolation), the page says so and uses
// what works.
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { LiveChart } from './charts.js';
import { defaultHyper, EXAMPLES, type ExampleInfo, exampleInfo } from './examples.js';
import { renderGraph } from './graph.js';
import { type Listener, startInline, startWorker, type TrainingHost } from './host.js';
import type { FromTrainer, TrainConfig } from './protocol.js';
import type { PageStatus } from './status.js';

const byId = <T extends HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`the page lacks #${id}`);
  return element as T;
};

const ui = {
  notices: byId<HTMLUListElement>('notices'),
  controls: byId<HTMLFormElement>('controls'),
  example: byId<HTMLSelectElement>('example'),
  hyper: byId<HTMLSpanElement>('hyper'),
  seed: byId<HTMLInputElement>('seed'),
  maxSteps: byId<HTMLInputElement>('max-steps'),
  start: byId<HTMLButtonElement>('start'),
  stop: byId<HTMLButtonElement>('stop'),
  download: byId<HTMLButtonElement>('download'),
  summary: byId<HTMLParagraphElement>('summary'),
  status: byId<HTMLElement>('status'),
  graph: byId<HTMLDivElement>('graph'),
  samples: byId<HTMLUListElement>('samples'),
};

const status: PageStatus = {
  state: 'starting',
  mode: null,
  example: EXAMPLES[0].name,
  step: 0,
  loss: null,
  accuracy: null,
  stepsPerSecond: null,
  samples: [],
  chartPoints: { loss: 0, accuracy: 0 },
  backend: null,
  backendReason: null,
  graph: null,
  runtime: null,
  notices: {},
  error: null,
};
window.loomPage = status;

const lossChart = new LiveChart(byId('loss-chart'), 'Training loss', 'loss', '#c0392b');
const accuracyChart = new LiveChart(byId('accuracy-chart'), 'Accuracy', 'accuracy', '#1e7b34');

/** Shows a notice once per key (and records it in the status object). */
function notice(key: string, text: string, kind: 'warning' | 'error' = 'warning'): void {
  status.notices[key] = text;
  let item = ui.notices.querySelector<HTMLLIElement>(`li[data-key="${key}"]`);
  if (!item) {
    item = document.createElement('li');
    item.dataset.key = key;
    ui.notices.append(item);
  }
  item.className = kind;
  item.textContent = text;
}

const format = (x: number | null, digits: number) => (x === null ? '–' : x.toFixed(digits));

/** Writes the status object into the page (text and data attributes). */
function render(): void {
  status.chartPoints = { loss: lossChart.points, accuracy: accuracyChart.points };
  const set = (id: string, text: string) => {
    byId(id).textContent = text;
  };
  set('state', status.state);
  set('step', String(status.step));
  set('loss', format(status.loss, 4));
  set('accuracy', status.accuracy === null ? '–' : `${(status.accuracy * 100).toFixed(1)}%`);
  set('speed', format(status.stepsPerSecond, 0));
  set(
    'where',
    status.mode === null ? '–' : status.mode === 'worker' ? 'Web Worker' : 'page thread',
  );
  set('backend', status.backend ? `${status.backend}: ${status.backendReason}` : '–');
  const data = ui.status.dataset;
  data.state = status.state;
  data.step = String(status.step);
  data.accuracy = status.accuracy === null ? '' : String(status.accuracy);
  data.mode = status.mode ?? '';
  const running = status.state === 'training';
  ui.start.disabled = status.mode === null || running;
  ui.stop.disabled = !running;
  ui.download.disabled = status.step === 0;
  ui.example.disabled = running;
}

function showExample(info: ExampleInfo): void {
  status.example = info.name;
  ui.summary.textContent = info.summary;
  ui.maxSteps.value = String(info.maxSteps);
  ui.hyper.replaceChildren(
    ...info.hyper.map((h) => {
      const label = document.createElement('label');
      const input = document.createElement('input');
      Object.assign(input, { type: 'number', value: String(h.value), min: String(h.min) });
      Object.assign(input, { max: String(h.max), step: String(h.step) });
      input.dataset.key = h.key;
      label.append(`${h.label} `, input);
      return label;
    }),
  );
}

function readConfig(): TrainConfig {
  const info = exampleInfo(ui.example.value);
  const hyper = defaultHyper(info);
  for (const input of Array.from(ui.hyper.querySelectorAll<HTMLInputElement>('input[data-key]'))) {
    const value = input.valueAsNumber;
    if (Number.isFinite(value) && value > 0) hyper[input.dataset.key!] = value;
  }
  const seed = Number.isSafeInteger(ui.seed.valueAsNumber) ? ui.seed.valueAsNumber : 0;
  const maxSteps =
    ui.maxSteps.valueAsNumber >= 1 ? Math.floor(ui.maxSteps.valueAsNumber) : info.maxSteps;
  return { example: info.name, seed, maxSteps, hyper };
}

function downloadBytes(bytes: Uint8Array, fileName: string): void {
  const url = URL.createObjectURL(
    new Blob([bytes as Uint8Array<ArrayBuffer>], { type: 'application/octet-stream' }),
  );
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

const onMessage: Listener = (message: FromTrainer) => {
  switch (message.type) {
    case 'ready': {
      status.runtime = message.runtime;
      if (!message.runtime.wasm) {
        notice(
          'no-wasm',
          'WebAssembly is unavailable where training runs: jit compiles each training step to JavaScript instead (slower, same results).',
        );
      } else if (!message.runtime.sharedMemory && status.notices['threads-off'] === undefined) {
        notice(
          'threads-off',
          'Shared memory is unavailable where training runs: threads are off, kernels run on one thread.',
        );
      }
      break;
    }
    case 'lowered':
      status.backend = message.backend;
      status.backendReason = message.backendReason;
      if (message.backend !== 'wasm') {
        notice(
          'backend',
          `jit runs the training step as ${message.backend}: ${message.backendReason}`,
        );
      }
      void renderGraph(ui.graph, message.dot).then((result) => {
        status.graph = result.drawn;
        if (result.drawn === 'text') {
          notice('graph', `The graph is shown as Graphviz DOT source: ${result.reason}.`);
        }
      });
      break;
    case 'progress':
      status.state = 'training';
      status.step = message.step;
      status.loss = message.loss;
      status.stepsPerSecond = message.stepsPerSecond;
      lossChart.add(message.step, message.loss);
      if (message.accuracy !== null) {
        status.accuracy = message.accuracy;
        accuracyChart.add(message.step, message.accuracy);
      }
      if (message.samples.length > 0) {
        status.samples = message.samples;
        ui.samples.replaceChildren(
          ...message.samples.map((text) => {
            const item = document.createElement('li');
            item.textContent = text;
            return item;
          }),
        );
      }
      break;
    case 'checkpoint':
      downloadBytes(message.bytes, message.fileName);
      break;
    case 'done':
      status.state = message.reason;
      status.step = message.step;
      break;
    case 'error':
      status.state = 'error';
      status.error = message.message;
      notice('error', `Training failed: ${message.message}`, 'error');
      break;
  }
  render();
};

let host: TrainingHost | undefined;

function start(): void {
  if (!host) return;
  lossChart.clear();
  accuracyChart.clear();
  const config = readConfig();
  Object.assign(status, { step: 0, loss: null, accuracy: null, stepsPerSecond: null, samples: [] });
  Object.assign(status, { backend: null, backendReason: null, graph: null, error: null });
  status.state = 'training';
  ui.samples.replaceChildren();
  ui.graph.replaceChildren('tracing the training step…');
  if (exampleInfo(config.example).accuracyLabel === null) {
    byId('accuracy-chart').dataset.note = 'this example reports no accuracy: see its samples';
  } else {
    delete byId('accuracy-chart').dataset.note;
  }
  render();
  host.send({ type: 'start', config });
}

async function main(): Promise<void> {
  for (const info of EXAMPLES) ui.example.append(new Option(info.title, info.name));
  const wanted = new URLSearchParams(location.search).get('example');
  ui.example.value = exampleInfo(wanted ?? EXAMPLES[0].name).name;
  showExample(exampleInfo(ui.example.value));
  ui.example.addEventListener('change', () => showExample(exampleInfo(ui.example.value)));
  ui.controls.addEventListener('submit', (event) => {
    event.preventDefault();
    start();
  });
  ui.stop.addEventListener('click', () => host?.send({ type: 'stop' }));
  ui.download.addEventListener('click', () => host?.send({ type: 'checkpoint' }));

  if (!globalThis.crossOriginIsolated) {
    notice(
      'threads-off',
      'This page is not cross-origin isolated (it was served without the COOP/COEP headers), so shared memory is unavailable: threads are off and training runs on one thread.',
    );
  }
  if (typeof WebAssembly !== 'object') {
    notice('no-wasm-page', 'This browser has no WebAssembly: the graph is shown as DOT text.');
  }
  try {
    host = await startWorker(onMessage);
  } catch (e) {
    notice(
      'no-worker',
      `The training worker could not start (${(e as Error).message}): training runs on this page's thread in short slices, so the page may respond slowly while it trains.`,
    );
    host = startInline(onMessage);
  }
  status.mode = host.mode;
  status.state = 'idle';
  render();
}

main().catch((e: unknown) => {
  status.state = 'error';
  status.error = (e as Error).message;
  notice('error', `The page failed to start: ${(e as Error).message}`, 'error');
});
