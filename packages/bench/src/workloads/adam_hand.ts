// SPDX-License-Identifier: MIT
// Adam by hand, in place over preallocated moments, with optax's rule: bias-corrected moments and
// eps outside the square root.

/** One parameter with its gradient and Adam moments, all the same length. */
export interface AdamSlot {
  p: Float32Array;
  g: Float32Array;
  m: Float32Array;
  v: Float32Array;
}

/** Makes zeroed gradient and moment buffers for each parameter array. */
export function adamSlots(params: Float32Array[]): AdamSlot[] {
  return params.map((p) => ({
    p,
    g: new Float32Array(p.length),
    m: new Float32Array(p.length),
    v: new Float32Array(p.length),
  }));
}

/** Applies step `t` (1 on the first step) of Adam to every slot. */
export function adamUpdate(
  slots: AdamSlot[],
  t: number,
  o: { lr: number; b1: number; b2: number; eps: number },
): void {
  const c1 = 1 - o.b1 ** t;
  const c2 = 1 - o.b2 ** t;
  for (const { p, g, m, v } of slots) {
    for (let i = 0; i < p.length; i++) {
      const gi = g[i];
      const mi = o.b1 * m[i] + (1 - o.b1) * gi;
      const vi = o.b2 * v[i] + (1 - o.b2) * gi * gi;
      m[i] = mi;
      v[i] = vi;
      p[i] -= (o.lr * (mi / c1)) / (Math.sqrt(vi / c2) + o.eps);
    }
  }
}
