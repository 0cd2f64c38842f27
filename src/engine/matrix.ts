// The three matrix products of batch-first backprop (docs/BACKPROP.md, "Doing it fast"), on
// row-major Float32Array buffers the caller allocates. Each keeps its inner loop on contiguous
// memory and works on small register blocks (2 rows by 4 columns) so that each value loaded
// is used several times; remainders fall back to the plain loops. Not a general BLAS: only the
// shapes the network needs.

// z = y Wᵀ + 1 bᵀ.  y is (batch, nIn), W is (nOut, nIn), b is (nOut), z is (batch, nOut).
export function affineForward(
  z: Float32Array,
  y: Float32Array,
  W: Float32Array,
  b: Float32Array,
  batch: number,
  nIn: number,
  nOut: number,
): void {
  let r = 0;
  for (; r + 1 < batch; r += 2) {
    const y0 = r * nIn;
    const y1 = y0 + nIn;
    const z0 = r * nOut;
    const z1 = z0 + nOut;
    let j = 0;
    for (; j + 3 < nOut; j += 4) {
      const w0 = j * nIn;
      const w1 = w0 + nIn;
      const w2 = w1 + nIn;
      const w3 = w2 + nIn;
      let s00 = 0,
        s01 = 0,
        s02 = 0,
        s03 = 0,
        s10 = 0,
        s11 = 0,
        s12 = 0,
        s13 = 0;
      for (let i = 0; i < nIn; i++) {
        const a0 = y[y0 + i]!;
        const a1 = y[y1 + i]!;
        const c0 = W[w0 + i]!;
        const c1 = W[w1 + i]!;
        const c2 = W[w2 + i]!;
        const c3 = W[w3 + i]!;
        s00 += a0 * c0;
        s01 += a0 * c1;
        s02 += a0 * c2;
        s03 += a0 * c3;
        s10 += a1 * c0;
        s11 += a1 * c1;
        s12 += a1 * c2;
        s13 += a1 * c3;
      }
      z[z0 + j] = s00 + b[j]!;
      z[z0 + j + 1] = s01 + b[j + 1]!;
      z[z0 + j + 2] = s02 + b[j + 2]!;
      z[z0 + j + 3] = s03 + b[j + 3]!;
      z[z1 + j] = s10 + b[j]!;
      z[z1 + j + 1] = s11 + b[j + 1]!;
      z[z1 + j + 2] = s12 + b[j + 2]!;
      z[z1 + j + 3] = s13 + b[j + 3]!;
    }
    for (; j < nOut; j++) {
      const w0 = j * nIn;
      let s0 = 0;
      let s1 = 0;
      for (let i = 0; i < nIn; i++) {
        s0 += y[y0 + i]! * W[w0 + i]!;
        s1 += y[y1 + i]! * W[w0 + i]!;
      }
      z[z0 + j] = s0 + b[j]!;
      z[z1 + j] = s1 + b[j]!;
    }
  }
  for (; r < batch; r++) {
    const y0 = r * nIn;
    const z0 = r * nOut;
    for (let j = 0; j < nOut; j++) {
      const w0 = j * nIn;
      let s = 0;
      for (let i = 0; i < nIn; i++) s += y[y0 + i]! * W[w0 + i]!;
      z[z0 + j] = s + b[j]!;
    }
  }
}

// dY = dZ W.  dZ is (batch, nOut), W is (nOut, nIn), dY is (batch, nIn). Overwrites dY.
export function affineBackwardInput(
  dY: Float32Array,
  dZ: Float32Array,
  W: Float32Array,
  batch: number,
  nIn: number,
  nOut: number,
): void {
  dY.fill(0, 0, batch * nIn);
  let r = 0;
  for (; r + 1 < batch; r += 2) {
    const d0 = r * nIn;
    const d1 = d0 + nIn;
    const g0 = r * nOut;
    const g1 = g0 + nOut;
    let j = 0;
    for (; j + 3 < nOut; j += 4) {
      const w0 = j * nIn;
      const w1 = w0 + nIn;
      const w2 = w1 + nIn;
      const w3 = w2 + nIn;
      const a0 = dZ[g0 + j]!,
        a1 = dZ[g0 + j + 1]!,
        a2 = dZ[g0 + j + 2]!,
        a3 = dZ[g0 + j + 3]!;
      const b0 = dZ[g1 + j]!,
        b1 = dZ[g1 + j + 1]!,
        b2 = dZ[g1 + j + 2]!,
        b3 = dZ[g1 + j + 3]!;
      for (let i = 0; i < nIn; i++) {
        const c0 = W[w0 + i]!;
        const c1 = W[w1 + i]!;
        const c2 = W[w2 + i]!;
        const c3 = W[w3 + i]!;
        dY[d0 + i]! += a0 * c0 + a1 * c1 + a2 * c2 + a3 * c3;
        dY[d1 + i]! += b0 * c0 + b1 * c1 + b2 * c2 + b3 * c3;
      }
    }
    for (; j < nOut; j++) {
      const w0 = j * nIn;
      const a = dZ[g0 + j]!;
      const b = dZ[g1 + j]!;
      for (let i = 0; i < nIn; i++) {
        dY[d0 + i]! += a * W[w0 + i]!;
        dY[d1 + i]! += b * W[w0 + i]!;
      }
    }
  }
  for (; r < batch; r++) {
    const d0 = r * nIn;
    const g0 = r * nOut;
    for (let j = 0; j < nOut; j++) {
      const a = dZ[g0 + j]!;
      if (a === 0) continue;
      const w0 = j * nIn;
      for (let i = 0; i < nIn; i++) dY[d0 + i]! += a * W[w0 + i]!;
    }
  }
}

// dW += dZᵀ y and db += column sums of dZ.
// dZ is (batch, nOut), y is (batch, nIn), dW is (nOut, nIn) like W, db is (nOut).
export function affineBackwardParams(
  dW: Float32Array,
  db: Float32Array,
  dZ: Float32Array,
  y: Float32Array,
  batch: number,
  nIn: number,
  nOut: number,
): void {
  for (let j = 0; j < nOut; j++) {
    let bias = 0;
    for (let r = 0; r < batch; r++) bias += dZ[r * nOut + j]!;
    db[j]! += bias;
  }
  let j = 0;
  for (; j + 1 < nOut; j += 2) {
    const w0 = j * nIn; // rows j and j+1 of dW stay in cache while the batch streams past
    const w1 = w0 + nIn;
    let r = 0;
    for (; r + 3 < batch; r += 4) {
      const y0 = r * nIn;
      const y1 = y0 + nIn;
      const y2 = y1 + nIn;
      const y3 = y2 + nIn;
      const a0 = dZ[r * nOut + j]!,
        a1 = dZ[(r + 1) * nOut + j]!,
        a2 = dZ[(r + 2) * nOut + j]!,
        a3 = dZ[(r + 3) * nOut + j]!;
      const b0 = dZ[r * nOut + j + 1]!,
        b1 = dZ[(r + 1) * nOut + j + 1]!,
        b2 = dZ[(r + 2) * nOut + j + 1]!,
        b3 = dZ[(r + 3) * nOut + j + 1]!;
      for (let i = 0; i < nIn; i++) {
        const c0 = y[y0 + i]!;
        const c1 = y[y1 + i]!;
        const c2 = y[y2 + i]!;
        const c3 = y[y3 + i]!;
        dW[w0 + i]! += a0 * c0 + a1 * c1 + a2 * c2 + a3 * c3;
        dW[w1 + i]! += b0 * c0 + b1 * c1 + b2 * c2 + b3 * c3;
      }
    }
    for (; r < batch; r++) {
      const y0 = r * nIn;
      const a = dZ[r * nOut + j]!;
      const b = dZ[r * nOut + j + 1]!;
      for (let i = 0; i < nIn; i++) {
        dW[w0 + i]! += a * y[y0 + i]!;
        dW[w1 + i]! += b * y[y0 + i]!;
      }
    }
  }
  for (; j < nOut; j++) {
    const w0 = j * nIn;
    for (let r = 0; r < batch; r++) {
      const a = dZ[r * nOut + j]!;
      if (a === 0) continue;
      const y0 = r * nIn;
      for (let i = 0; i < nIn; i++) dW[w0 + i]! += a * y[y0 + i]!;
    }
  }
}
