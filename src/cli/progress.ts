// Per-epoch output of `backprop train`: a progress bar on a terminal, one line per epoch
// otherwise (logs, pipes, CI), so that both people and programs can follow training.
import { SingleBar } from 'cli-progress';
import type { EpochReport } from '../engine/index.js';

const fixed = (n: number | undefined, digits = 6) =>
  n === undefined ? undefined : n.toFixed(digits);
const percent = (n: number | undefined) =>
  n === undefined ? undefined : `${(100 * n).toFixed(1)}%`;

/** `epoch 12/200  error 0.123456  accuracy 95.0%  val_error …  52,311 samples/s` */
export function formatEpoch(r: EpochReport, epochs: number): string {
  const parts = [
    `epoch ${r.epoch}/${epochs}`,
    `error ${fixed(r.error)}`,
    r.accuracy !== undefined ? `accuracy ${percent(r.accuracy)}` : undefined,
    r.validationError !== undefined ? `val_error ${fixed(r.validationError)}` : undefined,
    r.validationAccuracy !== undefined
      ? `val_accuracy ${percent(r.validationAccuracy)}`
      : undefined,
    `${Math.round(r.samplesPerSecond).toLocaleString('en-US')} samples/s`,
  ];
  return parts.filter(Boolean).join('  ');
}

export interface EpochSink {
  epoch(r: EpochReport): void;
  end(): void;
}

export function createEpochSink(
  epochs: number,
  options: { tty: boolean; quiet: boolean },
): EpochSink {
  if (options.quiet) return { epoch() {}, end() {} };
  if (!options.tty) {
    return { epoch: (r) => process.stdout.write(`${formatEpoch(r, epochs)}\n`), end() {} };
  }
  const bar = new SingleBar({
    format: 'training [{bar}] {value}/{total} epochs | error {error} | ETA {eta_formatted}',
    hideCursor: true,
    stream: process.stderr,
  });
  bar.start(epochs, 0, { error: '-' });
  return {
    epoch: (r) => bar.update(r.epoch, { error: fixed(r.error) }),
    end: () => bar.stop(),
  };
}
