// SPDX-License-Identifier: MIT
import { mkdirSync, writeFileSync } from 'node:fs';
import { eagerDispatch } from './eager_dispatch.js';
import { printTable } from './harness.js';
import { perExampleGradients } from './per_example_grads.js';

const rows = [...eagerDispatch(), ...perExampleGradients()];
console.log(`Loom benchmarks (Node ${process.version}; median of 5 timed batches after warm-up)\n`);
printTable(rows);
console.log('(baseline: the first row of each workload; lower is better)');
mkdirSync('bench-results', { recursive: true });
writeFileSync('bench-results/results.json', `${JSON.stringify(rows, null, 2)}\n`);
console.log('\nwritten to bench-results/results.json');
