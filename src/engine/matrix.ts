// The three matrix products of batch-first backprop (BACKPROP.md, "Doing it fast"), on
// row-major Float32Array buffers the caller allocates. Each loop order keeps the inner loop on
// contiguous memory. Not a general BLAS: only the shapes the network needs.

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
  for (let r = 0; r < batch; r++) {
    const yRow = r * nIn;
    const zRow = r * nOut;
    for (let j = 0; j < nOut; j++) {
      const wRow = j * nIn;
      let sum = 0;
      for (let i = 0; i < nIn; i++) sum += y[yRow + i]! * W[wRow + i]!;
      z[zRow + j] = sum + b[j]!;
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
  for (let r = 0; r < batch; r++) {
    const yRow = r * nIn;
    const zRow = r * nOut;
    for (let j = 0; j < nOut; j++) {
      const g = dZ[zRow + j]!;
      if (g === 0) continue; // ReLU and maxout leave many zeros
      const wRow = j * nIn;
      for (let i = 0; i < nIn; i++) dY[yRow + i]! += g * W[wRow + i]!;
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
    const wRow = j * nIn; // row j of dW stays in cache while the batch streams past
    let bias = 0;
    for (let r = 0; r < batch; r++) {
      const g = dZ[r * nOut + j]!;
      if (g === 0) continue;
      bias += g;
      const yRow = r * nIn;
      for (let i = 0; i < nIn; i++) dW[wRow + i]! += g * y[yRow + i]!;
    }
    db[j]! += bias;
  }
}
