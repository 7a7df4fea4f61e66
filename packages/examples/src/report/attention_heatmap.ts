// SPDX-License-Identifier: MIT
// Attention heat-maps as hand-built SVG: one grid per example, input characters across, output
// characters down, each cell shaded by the weight the decoder gave that input at that step.

/** One example to draw: weights[t][j] is the attention of output step t on input position j. */
export interface AttentionMap {
  input: readonly string[];
  output: readonly string[];
  weights: readonly (readonly number[])[];
  title: string;
}

const CELL = 18;

const escapeXml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** White (0) to dark blue (1). */
function shade(w: number): string {
  const v = Math.max(0, Math.min(1, w));
  const r = Math.round(255 - v * (255 - 8));
  const g = Math.round(255 - v * (255 - 48));
  const b = Math.round(255 - v * (255 - 107));
  return `rgb(${r},${g},${b})`;
}

/** Stacks the maps vertically in one SVG document. */
export function attentionHeatmapSvg(maps: readonly AttentionMap[]): string {
  const left = 40;
  const width = left + CELL * Math.max(...maps.map((m) => m.input.length)) + 20;
  const blocks: string[] = [];
  let y = 10;
  for (const m of maps) {
    blocks.push(`<text x="${left}" y="${y + 14}" font-size="13">${escapeXml(m.title)}</text>`);
    y += 24;
    m.input.forEach((c, j) => {
      blocks.push(
        `<text x="${left + j * CELL + CELL / 2}" y="${y + 12}" text-anchor="middle">${escapeXml(c === ' ' ? '␣' : c)}</text>`,
      );
    });
    y += 18;
    m.output.forEach((c, t) => {
      blocks.push(
        `<text x="${left - 8}" y="${y + t * CELL + 13}" text-anchor="end">${escapeXml(c)}</text>`,
      );
      m.input.forEach((_, j) => {
        const w = m.weights[t][j];
        blocks.push(
          `<rect x="${left + j * CELL}" y="${y + t * CELL}" width="${CELL}" height="${CELL}" fill="${shade(w)}" stroke="#ddd"><title>${w.toFixed(3)}</title></rect>`,
        );
      });
    });
    y += m.output.length * CELL + 20;
  }
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" font-family="monospace" font-size="12">`,
    `<rect width="${width}" height="${y}" fill="white"/>`,
    ...blocks,
    '</svg>',
  ].join('\n');
}
