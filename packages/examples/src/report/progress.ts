// SPDX-License-Identifier: MIT
import cliProgress from 'cli-progress';

/**
 * Training progress: a live bar with the current loss on a terminal, plain periodic lines
 * otherwise (CI logs, pipes), so the same program reads well in both.
 */
export interface Progress {
  update(step: number, values: Record<string, number>): void;
  log(line: string): void;
  stop(): void;
}

export function progress(
  total: number,
  label: string,
  plainEvery = Math.max(1, Math.floor(total / 10)),
): Progress {
  const fmt = (values: Record<string, number>) =>
    Object.entries(values)
      .map(([k, v]) => `${k} ${Number.isInteger(v) ? v : v.toFixed(4)}`)
      .join('  ');
  if (process.stdout.isTTY) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${label} [{bar}] {value}/{total}  {metrics}`,
        hideCursor: true,
        clearOnComplete: true,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { metrics: '' });
    return {
      update: (step, values) => bar.update(step, { metrics: fmt(values) }),
      log: (line) => {
        // Print above the bar without tearing it.
        bar.stop();
        console.log(line);
        bar.start(total, bar.getProgress() * total, { metrics: '' });
      },
      stop: () => bar.stop(),
    };
  }
  return {
    update: (step, values) => {
      if (step % plainEvery === 0 || step === total)
        console.log(`${label} ${step}/${total}  ${fmt(values)}`);
    },
    log: (line) => console.log(line),
    stop: () => {},
  };
}
