// SPDX-License-Identifier: MIT
// A live line chart on uPlot: points are appended as training reports them. The element's
// `data-chart-points` attribute counts them (the browser test reads it).
import uPlot from 'uplot';

/** One growing series against training steps. */
export class LiveChart {
  readonly #steps: number[] = [];
  readonly #values: number[] = [];
  readonly #plot: uPlot;

  constructor(
    private readonly element: HTMLElement,
    title: string,
    label: string,
    color: string,
  ) {
    this.#plot = new uPlot(
      {
        title,
        width: Math.max(280, element.clientWidth || 480),
        height: 220,
        scales: { x: { time: false } },
        series: [{ label: 'step' }, { label, stroke: color, width: 1.5 }],
        axes: [{ label: 'step' }, { label }],
      },
      [[], []],
      element,
    );
    element.dataset.chartPoints = '0';
  }

  /** Appends one point and redraws. */
  add(step: number, value: number): void {
    this.#steps.push(step);
    this.#values.push(value);
    this.#plot.setData([this.#steps, this.#values]);
    this.element.dataset.chartPoints = String(this.#steps.length);
  }

  /** Forgets every point (a new run). */
  clear(): void {
    this.#steps.length = 0;
    this.#values.length = 0;
    this.#plot.setData([[], []]);
    this.element.dataset.chartPoints = '0';
  }

  /** How many points the chart holds. */
  get points(): number {
    return this.#steps.length;
  }
}
