// SPDX-License-Identifier: MIT
// The live training page, built with Vite and opened in headless Chromium: the adder trains to
// 100% exact sums in a Web Worker, the charts get points, the graph is drawn, the checkpoint
// downloads and loads back in Node; without isolation (and without workers or WebAssembly) the
// page says what is missing and still trains.
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadCheckpoint } from '@loom/nn';
import type { Browser, Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { adderEvaluationSeed, evaluateAdder, initAdder } from '../../examples/src/models/adder.js';
import { adderSession } from '../src/sessions/adder.js';
import type { PageStatus } from '../src/status.js';
import { launchChromium, type StaticServer, serveStatic } from './chromium.js';

const WEB = fileURLToPath(new URL('..', import.meta.url));
const SCREENSHOT = join(WEB, 'test-output', 'page.png');
const TRAINING_TIMEOUT_MS = 300_000;

let dist: string;
let browser: Browser;

beforeAll(async () => {
  dist = mkdtempSync(join(tmpdir(), 'loom-web-'));
  await build({
    configFile: join(WEB, 'vite.config.ts'),
    logLevel: 'warn',
    build: { outDir: dist, emptyOutDir: true },
  });
  browser = await launchChromium();
}, 180_000);

afterAll(async () => {
  await browser?.close();
});

const statusOf = (page: Page) => page.evaluate(() => window.loomPage as PageStatus);

async function openPage(server: StaticServer, init?: () => void): Promise<Page> {
  const context = await browser.newContext({
    acceptDownloads: true,
    viewport: { width: 1200, height: 1400 },
  });
  const page = await context.newPage();
  if (init) await page.addInitScript(init);
  await page.goto(server.url);
  await page.waitForFunction(() => window.loomPage?.state === 'idle', undefined, {
    timeout: 60_000,
  });
  return page;
}

/** Steps/s of the page's own adder session run in Node for `ms` milliseconds. */
function nodeStepsPerSecond(ms: number): number {
  const session = adderSession({ example: 'binary-addition', seed: 0, maxSteps: 1e9, hyper: {} });
  for (let i = 0; i < 200; i++) session.step(); // compile and warm up, as the page's first slice
  let steps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < ms) {
    session.step();
    steps++;
  }
  return (steps * 1000) / (performance.now() - t0);
}

describe('the live training page', () => {
  test(
    'cross-origin isolated: the adder trains to 100% exact sums in a worker; charts, graph, samples, checkpoint',
    async () => {
      const server = await serveStatic(dist, { isolated: true });
      try {
        const page = await openPage(server);
        const before = await statusOf(page);
        expect(before.mode).toBe('worker');
        expect(before.runtime?.crossOriginIsolated).toBe(true);
        expect(before.runtime?.sharedMemory).toBe(true);
        expect(before.notices['threads-off']).toBeUndefined();
        expect(before.notices['no-worker']).toBeUndefined();

        await page.selectOption('#example', 'binary-addition');
        await page.fill('#max-steps', '1000000');
        await page.click('#start');
        await page.waitForFunction(() => window.loomPage?.accuracy === 1, undefined, {
          timeout: TRAINING_TIMEOUT_MS,
        });
        const stepsToPerfect = (await statusOf(page)).step;
        await page.click('#stop');
        await page.waitForFunction(() => window.loomPage?.state === 'stopped');
        await page.waitForFunction(() => window.loomPage?.graph !== null);
        const after = await statusOf(page);

        expect(after.backend).toBe('wasm');
        expect(after.backendReason?.length).toBeGreaterThan(0);
        const points = async (id: string) =>
          Number(await page.getAttribute(`#${id}`, 'data-chart-points'));
        expect(await points('loss-chart')).toBeGreaterThan(1);
        expect(await points('accuracy-chart')).toBeGreaterThan(0);
        expect(after.chartPoints.loss).toBe(await points('loss-chart'));
        // uPlot drew into a canvas inside each chart.
        expect(await page.locator('#loss-chart canvas').count()).toBeGreaterThan(0);
        expect(after.graph).toBe('svg');
        expect(await page.locator('#graph svg g.node').count()).toBeGreaterThan(10);
        const sums = await page.locator('#samples li').allTextContents();
        expect(sums.length).toBeGreaterThan(0);
        for (const line of sums) expect(line).toMatch(/^\d+ \+ \d+ = \d+ ✓$/);

        const [download] = await Promise.all([
          page.waitForEvent('download'),
          page.click('#download'),
        ]);
        expect(download.suggestedFilename()).toMatch(/^loom-binary-addition-step\d+\.safetensors$/);
        const bytes = new Uint8Array(readFileSync(await download.path()));
        // Loaded back by @loom/nn in Node, the weights still add: an independent evaluation.
        const weights = loadCheckpoint(bytes, initAdder(0));
        expect(evaluateAdder(weights, adderEvaluationSeed(0)).accuracy).toBe(1);

        mkdirSync(join(WEB, 'test-output'), { recursive: true });
        await page.screenshot({ path: SCREENSHOT, fullPage: true });
        const node = nodeStepsPerSecond(2000);
        console.log(
          `page screenshot: ${SCREENSHOT}\n` +
            `adder steps/s: Chromium worker ${after.stepsPerSecond?.toFixed(0)} (100% exact sums seen at step ${stepsToPerfect}), ` +
            `Node ${node.toFixed(0)} (the same session, same jit backend)`,
        );
        expect(after.stepsPerSecond).toBeGreaterThan(0);
      } finally {
        await server.close();
      }
    },
    TRAINING_TIMEOUT_MS + 60_000,
  );

  test('without isolation headers the page says threads are off and still trains', async () => {
    const server = await serveStatic(dist);
    try {
      const page = await openPage(server);
      const status = await statusOf(page);
      expect(status.runtime?.crossOriginIsolated).toBe(false);
      expect(status.runtime?.threads).toBe(1);
      expect(status.notices['threads-off']).toMatch(/not cross-origin isolated/);
      await expect(page.locator('#notices').textContent()).resolves.toMatch(/threads are off/);
      await page.fill('#max-steps', '1000000');
      await page.click('#start');
      await page.waitForFunction(() => (window.loomPage?.step ?? 0) >= 50, undefined, {
        timeout: 120_000,
      });
      await page.click('#stop');
      await page.waitForFunction(() => window.loomPage?.state === 'stopped');
      expect(Number.isFinite((await statusOf(page)).loss)).toBe(true);
    } finally {
      await server.close();
    }
  }, 180_000);

  test('without Worker and WebAssembly: trains on the page thread, jit uses JavaScript, graph as text', async () => {
    const server = await serveStatic(dist);
    try {
      const page = await openPage(server, () => {
        Reflect.deleteProperty(globalThis, 'Worker');
        Reflect.deleteProperty(globalThis, 'WebAssembly');
      });
      const status = await statusOf(page);
      expect(status.mode).toBe('main-thread');
      expect(status.notices['no-worker']).toMatch(/worker could not start/);
      expect(status.notices['no-wasm']).toMatch(/WebAssembly is unavailable/);
      await page.fill('#max-steps', '1000000');
      await page.click('#start');
      await page.waitForFunction(() => (window.loomPage?.step ?? 0) >= 50, undefined, {
        timeout: 120_000,
      });
      await page.click('#stop');
      await page.waitForFunction(() => window.loomPage?.state === 'stopped');
      await page.waitForFunction(() => window.loomPage?.graph !== null);
      const after = await statusOf(page);
      expect(after.backend).toBe('js');
      expect(after.backendReason).toMatch(/WebAssembly/i);
      expect(after.notices.backend).toContain(after.backendReason);
      expect(after.graph).toBe('text');
      await expect(page.locator('#graph pre').textContent()).resolves.toMatch(/^digraph/);
    } finally {
      await server.close();
    }
  }, 180_000);

  test('a worker whose script fails to load: the page says so and trains on its own thread', async () => {
    const server = await serveStatic(dist, { isolated: true });
    try {
      // Every worker the page starts points at a script the server does not have (404).
      const page = await openPage(server, () => {
        const Native = Worker;
        globalThis.Worker = class extends Native {
          constructor(_url: string | URL, options?: WorkerOptions) {
            super('/no-such-worker.js', options);
          }
        };
      });
      const status = await statusOf(page);
      expect(status.mode).toBe('main-thread');
      expect(status.notices['no-worker']).toMatch(/worker failed to start/);
      await page.fill('#max-steps', '1000000');
      await page.click('#start');
      await page.waitForFunction(() => (window.loomPage?.step ?? 0) >= 50, undefined, {
        timeout: 120_000,
      });
      await page.click('#stop');
      await page.waitForFunction(() => window.loomPage?.state === 'stopped');
      // Isolated but on the page's thread: one thread (a page may not block on workers).
      expect((await statusOf(page)).runtime?.threads).toBe(1);
    } finally {
      await server.close();
    }
  }, 180_000);
});
