// Feature standardisation, x' = (x − mean) / std per column, fitted on the training rows and
// stored with the model so prediction applies exactly the same transform.

export interface Scaler {
  mean: number[];
  std: number[];
}

/** Column means and standard deviations of x (rows, width); a constant column gets std 1. */
export function fitScaler(x: Float32Array, rows: number, width: number): Scaler {
  const mean = new Array<number>(width).fill(0);
  const std = new Array<number>(width).fill(0);
  for (let r = 0; r < rows; r++) for (let c = 0; c < width; c++) mean[c]! += x[r * width + c]!;
  for (let c = 0; c < width; c++) mean[c]! /= Math.max(rows, 1);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < width; c++) {
      const e = x[r * width + c]! - mean[c]!;
      std[c]! += e * e;
    }
  }
  for (let c = 0; c < width; c++) {
    const s = Math.sqrt(std[c]! / Math.max(rows, 1));
    std[c] = s > 1e-12 ? s : 1;
  }
  return { mean, std };
}

// out = (x − mean) / std.  x and out are (rows, width); out may be x.
export function applyScaler(
  out: Float32Array,
  x: Float32Array,
  rows: number,
  width: number,
  scaler: Scaler,
): void {
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < width; c++) {
      const i = r * width + c;
      out[i] = (x[i]! - scaler.mean[c]!) / scaler.std[c]!;
    }
  }
}
