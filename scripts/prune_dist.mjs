// SPDX-License-Identifier: MIT
// Deletes the outputs in ./dist whose source in ./src no longer exists (a renamed or deleted
// module), so `pnpm pack` cannot ship them. `tsc -b` never removes such files itself. The rest of
// dist stays in place, so the type-checking of dependent packages keeps working meanwhile.
// Run from a package folder: `node ../../scripts/prune_dist.mjs && tsc -b`.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';

const OUTPUT = /\.(d\.ts\.map|d\.ts|js\.map|js)$/;

const pending = ['dist'];
let removed = 0;
while (pending.length > 0) {
  const dir = pending.pop();
  if (!existsSync(dir)) continue;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) {
      pending.push(path);
      continue;
    }
    if (!OUTPUT.test(entry.name)) continue;
    const source = join('src', relative('dist', path)).replace(OUTPUT, '.ts');
    if (!existsSync(source)) {
      rmSync(path);
      removed++;
    }
  }
}
if (removed > 0) console.log(`prune_dist: removed ${removed} stale output(s) from dist`);
