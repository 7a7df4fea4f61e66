// Turns the TypeScript sources of @loom/core and part of @loom/nn into plain ES modules in a
// folder, so a test can run them in a child `node` process (Node 20 cannot strip types, and the
// built dist may be stale). Type-only transpilation: fast, no type checking.
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const packages = fileURLToPath(new URL('../../', import.meta.url));

async function sourceFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const pending = [dir];
  while (pending.length > 0) {
    const d = pending.pop()!;
    for (const entry of await readdir(d, { withFileTypes: true })) {
      const p = join(d, entry.name);
      if (entry.isDirectory()) pending.push(p);
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) out.push(p);
    }
  }
  return out;
}

async function emit(file: string, from: string, to: string, coreIndex: string): Promise<void> {
  const target = join(to, relative(from, file)).replace(/\.ts$/, '.js');
  let code = ts.transpileModule(await readFile(file, 'utf8'), {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  let core = relative(dirname(target), coreIndex);
  if (!core.startsWith('.')) core = `./${core}`;
  code = code.replaceAll(`from '@loom/core'`, `from '${core}'`);
  await mkdir(dirname(target), { recursive: true });
  await writeFile(target, code);
}

/**
 * Writes `<out>/core/**` (all of core) and `<out>/nn/{node.js,checkpoint/**}`; returns the
 * paths of the core index and of the nn Node entry.
 */
export async function runnableSources(out: string): Promise<{ core: string; nodeEntry: string }> {
  const coreSrc = join(packages, 'core/src');
  const nnSrc = join(packages, 'nn/src');
  const coreIndex = join(out, 'core/index.js');
  const nnFiles = [join(nnSrc, 'node.ts'), ...(await sourceFiles(join(nnSrc, 'checkpoint')))];
  await Promise.all([
    ...(await sourceFiles(coreSrc)).map((f) => emit(f, coreSrc, join(out, 'core'), coreIndex)),
    ...nnFiles.map((f) => emit(f, nnSrc, join(out, 'nn'), coreIndex)),
  ]);
  return { core: coreIndex, nodeEntry: join(out, 'nn/node.js') };
}
