// Issue 14, CSP safety and graceful degradation, in headless Chromium: the fixture program
// (eager ops, grad, scan, jit, nn, datasets) bundled for the browser runs and computes the right
// numbers under a Content-Security-Policy without 'unsafe-eval' (kernels as closures, jit
// interpreted, no wasm), with only 'wasm-unsafe-eval' (jit on WebAssembly), without WebAssembly
// at all, and on a page that is not cross-origin isolated (one thread, and runtimeInfo says why).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildPackages, esbuildBundle, fixtures, freshDir } from './bundling.js';
import { launchChromium, type ServeOptions, serveStatic } from './chromium.js';
import { expectCorrectNumbers } from './expected.js';
import type { ProgramResults } from './fixtures/program.js';

const PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Loom under a CSP</title></head>
<body><pre id="out">not run</pre><script type="module" src="./bundle.js"></script></body></html>`;

let root: string;
let browser: Browser;

beforeAll(async () => {
  buildPackages();
  root = freshDir('csp');
  await esbuildBundle(join(fixtures, 'browser_entry.ts'), join(root, 'bundle.js'), {
    platform: 'browser',
  });
  writeFileSync(join(root, 'index.html'), PAGE);
  browser = await launchChromium();
}, 600_000);

afterAll(async () => {
  await browser?.close();
});

/** Opens the page with the given headers (and optional init script); returns its results. */
async function runPage(serve: ServeOptions, initScript?: string): Promise<ProgramResults> {
  const server = await serveStatic(root, serve);
  const page = await browser.newPage();
  const pageErrors: string[] = [];
  page.on('pageerror', (e) => pageErrors.push(e.message));
  try {
    if (initScript) await page.addInitScript(initScript);
    await page.goto(`${server.url}/index.html`);
    const out = page.locator('#out[data-status]');
    await out.waitFor({ timeout: 90_000 });
    const status = await out.getAttribute('data-status');
    const text = (await out.textContent()) ?? '';
    expect(pageErrors).toEqual([]);
    expect(status, text).toBe('done');
    return JSON.parse(text) as ProgramResults;
  } finally {
    await page.close();
    await server.close();
  }
}

describe('the program in headless Chromium', () => {
  it("CSP script-src 'self' (no eval, no wasm): closures and the jit interpreter", async () => {
    const r = await runPage({ csp: "script-src 'self'" });
    expectCorrectNumbers(r);
    expect(r.canGenerateCode).toBe(false);
    expect(r.jitBackend).toBe('interpreter');
    expect(r.jitReason).toMatch(/forbids generating code.*'unsafe-eval'/);
    expect(r.jitReason).toMatch(/compiling WebAssembly is forbidden.*'wasm-unsafe-eval'/);
  });

  it("CSP script-src 'self' 'wasm-unsafe-eval': jit runs on WebAssembly", async () => {
    const r = await runPage({ csp: "script-src 'self' 'wasm-unsafe-eval'" });
    expectCorrectNumbers(r);
    expect(r.canGenerateCode).toBe(false);
    expect(r.jitBackend).toBe('wasm');
    expect(r.jitReason).toMatch(/^WebAssembly SIMD/);
  });

  it('no CSP, not cross-origin isolated: one thread, and runtimeInfo says why', async () => {
    const r = await runPage({});
    expectCorrectNumbers(r);
    expect(r.canGenerateCode).toBe(true);
    expect(r.jitBackend).toBe('wasm');
    expect(r.threads).toBe(1);
    expect(r.threadsReason).toMatch(/not cross-origin isolated.*Cross-Origin-Opener-Policy/);
  });

  it('a browser without WebAssembly: jit falls back to JavaScript and says so', async () => {
    const r = await runPage({}, 'delete globalThis.WebAssembly;');
    expectCorrectNumbers(r);
    expect(r.jitBackend).toBe('js');
    expect(r.jitReason).toMatch(/WebAssembly is unavailable/);
    expect(r.threadsReason).toMatch(/WebAssembly is unavailable/);
  });

  it('without WebAssembly and under a no-eval CSP: still runs, interpreted', async () => {
    const r = await runPage({ csp: "script-src 'self'" }, 'delete globalThis.WebAssembly;');
    expectCorrectNumbers(r);
    expect(r.jitBackend).toBe('interpreter');
    expect(r.jitReason).toMatch(/WebAssembly is unavailable/);
  });
});

describe('the worker pool in headless Chromium (a jitted 256³ product over 2 threads)', () => {
  let threadsRoot: string;
  beforeAll(async () => {
    threadsRoot = freshDir('csp-threads');
    await esbuildBundle(join(fixtures, 'threads_entry.ts'), join(threadsRoot, 'bundle.js'), {
      platform: 'browser',
    });
    writeFileSync(join(threadsRoot, 'index.html'), PAGE);
  }, 600_000);

  /** The page's product check and runtimeInfo, served cross-origin isolated. */
  async function runThreads(csp?: string) {
    const server = await serveStatic(threadsRoot, { isolated: true, csp });
    const page = await browser.newPage();
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    try {
      await page.goto(`${server.url}/index.html`);
      const out = page.locator('#out[data-status]');
      await out.waitFor({ timeout: 90_000 });
      const text = (await out.textContent()) ?? '';
      expect(pageErrors).toEqual([]);
      expect(await out.getAttribute('data-status'), text).toBe('done');
      return JSON.parse(text) as {
        maxDiff: number;
        info: { threads: number; threadsReason: string; crossOriginIsolated: boolean };
      };
    } finally {
      await page.close();
      await server.close();
    }
  }

  it('isolated: the product runs on 2 threads, bitwise equal to eager', async () => {
    const r = await runThreads();
    expect(r.info.crossOriginIsolated).toBe(true);
    expect(r.maxDiff).toBe(0);
    expect(r.info.threads).toBe(2);
  });

  it("isolated under CSP script-src 'self' 'wasm-unsafe-eval' (blob: workers blocked): one thread, right numbers, and runtimeInfo says why", async () => {
    const r = await runThreads("script-src 'self' 'wasm-unsafe-eval'");
    expect(r.maxDiff).toBe(0);
    expect(r.info.threads).toBe(1);
    expect(r.info.threadsReason).toMatch(/^1 thread: a worker could not run/);
  });
});
