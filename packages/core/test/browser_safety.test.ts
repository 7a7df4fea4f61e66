// Core and nn run in the browser as well as in Node: their runtime code may not reach for
// Node-only APIs. (nn's `src/node.ts` entry is the one allowed exception, as in datasets.)
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, test } from 'vitest';

const packages = fileURLToPath(new URL('../../', import.meta.url));

function runtimeFiles(dir: string): string[] {
  const out: string[] = [];
  const stack = [dir];
  while (stack.length > 0) {
    const d = stack.pop()!;
    for (const name of readdirSync(d)) {
      const path = join(d, name);
      if (statSync(path).isDirectory()) stack.push(path);
      else if (name.endsWith('.ts') && !name.endsWith('.test.ts') && name !== 'node.ts')
        out.push(path);
    }
  }
  return out;
}

describe('browser safety', () => {
  test.each(['core', 'nn'])('@loom/%s runtime code uses no Node-only API', (pkg) => {
    const files = runtimeFiles(join(packages, pkg, 'src'));
    expect(files.length).toBeGreaterThan(10);
    const offenders = files.filter((f) =>
      /from ['"]node:|\brequire\(|\bprocess\.|\bBuffer\b|__dirname/.test(readFileSync(f, 'utf8')),
    );
    expect(offenders).toEqual([]);
  });
});
