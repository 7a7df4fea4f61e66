// SPDX-License-Identifier: MIT
// A small SVG line chart (one or more series), so plots need no browser or native library.

export interface Series {
  name: string;
  points: readonly (readonly [number, number])[];
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];

function ticks(lo: number, hi: number, n = 5): number[] {
  const step = (hi - lo) / (n - 1 || 1);
  return Array.from({ length: n }, (_, i) => lo + i * step);
}

const label = (v: number) =>
  Math.abs(v) >= 1000 || (v !== 0 && Math.abs(v) < 0.01)
    ? v.toExponential(1)
    : Number(v.toPrecision(3)).toString();

export function lineChartSvg(
  series: readonly Series[],
  title: string,
  xLabel: string,
  yLabel: string,
): string {
  const W = 640;
  const H = 400;
  const m = { left: 70, right: 20, top: 40, bottom: 50 };
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]).filter(Number.isFinite);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  let [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (y0 === y1) [y0, y1] = [y0 - 1, y1 + 1];
  const sx = (x: number) => m.left + ((x - x0) / (x1 - x0 || 1)) * (W - m.left - m.right);
  const sy = (y: number) => H - m.bottom - ((y - y0) / (y1 - y0)) * (H - m.top - m.bottom);
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="Helvetica" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${title}</text>`,
    `<line x1="${m.left}" y1="${H - m.bottom}" x2="${W - m.right}" y2="${H - m.bottom}" stroke="black"/>`,
    `<line x1="${m.left}" y1="${m.top}" x2="${m.left}" y2="${H - m.bottom}" stroke="black"/>`,
    `<text x="${W / 2}" y="${H - 12}" text-anchor="middle">${xLabel}</text>`,
    `<text transform="translate(16 ${H / 2}) rotate(-90)" text-anchor="middle">${yLabel}</text>`,
  ];
  for (const t of ticks(y0, y1)) {
    parts.push(
      `<line x1="${m.left - 4}" y1="${sy(t)}" x2="${W - m.right}" y2="${sy(t)}" stroke="#eee"/>`,
    );
    parts.push(`<text x="${m.left - 8}" y="${sy(t) + 4}" text-anchor="end">${label(t)}</text>`);
  }
  for (const t of ticks(x0, x1))
    parts.push(
      `<text x="${sx(t)}" y="${H - m.bottom + 18}" text-anchor="middle">${label(t)}</text>`,
    );
  series.forEach((s, i) => {
    const path = s.points
      .filter((p) => Number.isFinite(p[1]))
      .map((p, j) => `${j === 0 ? 'M' : 'L'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`);
    parts.push(
      `<path d="${path.join(' ')}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.5"/>`,
    );
    parts.push(
      `<text x="${W - m.right - 120}" y="${m.top + 16 * (i + 1)}" fill="${COLORS[i % COLORS.length]}">${s.name}</text>`,
    );
  });
  parts.push('</svg>');
  return parts.join('\n');
}
