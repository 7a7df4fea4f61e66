// SPDX-License-Identifier: MIT
// The three matrix products of a dense layer's forward and backward passes, over row-major
// Float32Arrays at offsets, for the hand-written baselines. Four output columns (or rows) are
// accumulated at once in local variables: that register blocking is what makes scalar
// JavaScript matrix code fast (about twice a plain triple loop at these sizes), and the baseline
// should be as fast as careful hand-written code gets.

/** C[M, N] = A[M, K] · B[K, N], or C += A · B when `accumulate`. */
export function matmul(
  c: Float32Array,
  cOff: number,
  a: Float32Array,
  aOff: number,
  b: Float32Array,
  M: number,
  K: number,
  N: number,
  accumulate: boolean,
): void {
  const n4 = N - (N % 4);
  for (let i = 0; i < M; i++) {
    const ar = aOff + i * K;
    const cr = cOff + i * N;
    for (let j = 0; j < n4; j += 4) {
      let c0 = 0;
      let c1 = 0;
      let c2 = 0;
      let c3 = 0;
      for (let k = 0; k < K; k++) {
        const av = a[ar + k];
        const br = k * N + j;
        c0 += av * b[br];
        c1 += av * b[br + 1];
        c2 += av * b[br + 2];
        c3 += av * b[br + 3];
      }
      if (accumulate) {
        c[cr + j] += c0;
        c[cr + j + 1] += c1;
        c[cr + j + 2] += c2;
        c[cr + j + 3] += c3;
      } else {
        c[cr + j] = c0;
        c[cr + j + 1] = c1;
        c[cr + j + 2] = c2;
        c[cr + j + 3] = c3;
      }
    }
    for (let j = n4; j < N; j++) {
      let s = 0;
      for (let k = 0; k < K; k++) s += a[ar + k] * b[k * N + j];
      c[cr + j] = accumulate ? c[cr + j] + s : s;
    }
  }
}

/** C[K, N] += A[M, K]ᵀ · B[M, N]: the gradient of a weight matrix from inputs and output grads. */
export function matmulTransAAdd(
  c: Float32Array,
  a: Float32Array,
  aOff: number,
  b: Float32Array,
  bOff: number,
  M: number,
  K: number,
  N: number,
): void {
  const n4 = N - (N % 4);
  for (let k = 0; k < K; k++) {
    const cr = k * N;
    for (let j = 0; j < n4; j += 4) {
      let c0 = 0;
      let c1 = 0;
      let c2 = 0;
      let c3 = 0;
      for (let i = 0; i < M; i++) {
        const av = a[aOff + i * K + k];
        const br = bOff + i * N + j;
        c0 += av * b[br];
        c1 += av * b[br + 1];
        c2 += av * b[br + 2];
        c3 += av * b[br + 3];
      }
      c[cr + j] += c0;
      c[cr + j + 1] += c1;
      c[cr + j + 2] += c2;
      c[cr + j + 3] += c3;
    }
    for (let j = n4; j < N; j++) {
      let s = 0;
      for (let i = 0; i < M; i++) s += a[aOff + i * K + k] * b[bOff + i * N + j];
      c[cr + j] += s;
    }
  }
}

/** C[M, K] = A[M, N] · B[K, N]ᵀ: the gradient of a layer's input from its output grads. */
export function matmulTransB(
  c: Float32Array,
  a: Float32Array,
  b: Float32Array,
  M: number,
  K: number,
  N: number,
): void {
  const k4 = K - (K % 4);
  for (let i = 0; i < M; i++) {
    const ar = i * N;
    const cr = i * K;
    for (let k = 0; k < k4; k += 4) {
      let c0 = 0;
      let c1 = 0;
      let c2 = 0;
      let c3 = 0;
      const b0 = k * N;
      for (let j = 0; j < N; j++) {
        const av = a[ar + j];
        c0 += av * b[b0 + j];
        c1 += av * b[b0 + N + j];
        c2 += av * b[b0 + 2 * N + j];
        c3 += av * b[b0 + 3 * N + j];
      }
      c[cr + k] = c0;
      c[cr + k + 1] = c1;
      c[cr + k + 2] = c2;
      c[cr + k + 3] = c3;
    }
    for (let k = k4; k < K; k++) {
      let s = 0;
      for (let j = 0; j < N; j++) s += a[ar + j] * b[k * N + j];
      c[cr + k] = s;
    }
  }
}
