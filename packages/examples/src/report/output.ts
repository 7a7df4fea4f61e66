// SPDX-License-Identifier: MIT
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Graphviz } from '@hpcc-js/wasm-graphviz';
import { plot } from 'asciichart';
import { lineChartSvg, type Series } from './svg_plot.js';

/** Where an example writes its plots and drawings (created on first use). */
export class Output {
  constructor(readonly dir: string) {}

  write(name: string, content: string): string {
    mkdirSync(this.dir, { recursive: true });
    const path = join(this.dir, name);
    writeFileSync(path, content);
    return path;
  }

  plot(
    name: string,
    series: readonly Series[],
    title: string,
    xLabel: string,
    yLabel: string,
  ): string {
    return this.write(name, lineChartSvg(series, title, xLabel, yLabel));
  }

  /** Renders Graphviz DOT to SVG with the WebAssembly build of Graphviz (no system binary). */
  async graph(name: string, dot: string): Promise<string[]> {
    const graphviz = await Graphviz.load();
    return [this.write(`${name}.dot`, dot), this.write(`${name}.svg`, graphviz.dot(dot))];
  }
}

/** A compact terminal chart of a curve, downsampled to the terminal's width. */
export function terminalChart(values: readonly number[], height = 8): string {
  const width = Math.min(70, values.length);
  const sampled = Array.from(
    { length: width },
    (_, i) => values[Math.floor((i * values.length) / width)],
  );
  return plot(sampled, { height, format: (x) => x.toFixed(3).padStart(8) });
}
