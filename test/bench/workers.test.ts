// The worker-scaling bench's pure parts (bench/workers-report.ts): the quantile by nearest rank,
// a round's figures from job records (queue wait = startedAt − createdAt, jobs/s over the first
// creation to the last finish, CPU a job), and the `## Workers` section's table. The run itself (processes,
// Redis) is `npm run bench:workers`, not a test; nothing here times anything.
import { describe, expect, it } from 'vitest';
import { quantile, roundOf, workersSection } from '../../bench/workers-report.js';

describe('quantile (nearest rank)', () => {
  it('p95 of 1..100 is 95, p50 is 50, p100 the largest, whatever the order', () => {
    const xs = Array.from({ length: 100 }, (_, i) => 100 - i);
    expect(quantile(xs, 0.95)).toBe(95);
    expect(quantile(xs, 0.5)).toBe(50);
    expect(quantile(xs, 1)).toBe(100);
    expect(quantile(xs, 0)).toBe(1);
  });

  it('of 200 waits, p95 is the 190th smallest; of one, that one; of none, NaN', () => {
    const xs = Array.from({ length: 200 }, (_, i) => i * 10);
    expect(quantile(xs, 0.95)).toBe(1890);
    expect(quantile([7], 0.95)).toBe(7);
    expect(quantile([], 0.95)).toBeNaN();
  });
});

const at = (ms: number) => new Date(Date.UTC(2026, 11, 4, 12, 0, 0) + ms).toISOString();

describe('a round from job records', () => {
  it('waits are startedAt − createdAt; jobs/s spans the first creation to the last finish', () => {
    const records = Array.from({ length: 20 }, (_, i) => ({
      createdAt: at(i * 10),
      startedAt: at(i * 10 + 100 * (i + 1)),
      finishedAt: at(i * 10 + 100 * (i + 1) + 50),
    }));
    const round = roundOf(2, records, 0, { loadAverage: 1.5, cpuSeconds: 3 });
    // the last job: created at 190 ms, finished at 190 + 2000 + 50
    expect(round.seconds).toBeCloseTo(2.24, 10);
    expect(round.postSeconds).toBeCloseTo(0.19, 10);
    expect(round.jobsPerSecond).toBeCloseTo(20 / 2.24, 10);
    expect(round.p50WaitMs).toBe(1000);
    expect(round.p95WaitMs).toBe(1900);
    expect(round).toMatchObject({
      workers: 2,
      jobs: 20,
      failed: 0,
      loadAverage: 1.5,
      cpuMsPerJob: 150,
    });
  });

  it('a job that never started counts in jobs/s but has no wait', () => {
    const round = roundOf(
      1,
      [
        { createdAt: at(0), startedAt: at(300), finishedAt: at(1000) },
        { createdAt: at(0), finishedAt: at(2000) },
      ],
      1,
      { loadAverage: 0.2, cpuSeconds: 0.1 },
    );
    expect(round.jobsPerSecond).toBe(1);
    expect([round.p50WaitMs, round.p95WaitMs]).toEqual([300, 300]);
    expect(round.failed).toBe(1);
  });
});

describe('the ## Workers section', () => {
  const rounds = [1, 2, 4].map((workers, i) => ({
    workers,
    jobs: 200,
    failed: i === 2 ? 3 : 0,
    jobsPerSecond: [10, 18, 17.5][i]!,
    p50WaitMs: [9000.4, 5000, 5100][i]!,
    p95WaitMs: [18000.6, 10000, 10200][i]!,
    seconds: [20, 11.1, 11.4][i]!,
    postSeconds: [2, 2.5, 3.04][i]!,
    cpuMsPerJob: [80.4, 90, 120.6][i]!,
    loadAverage: [1.04, 2, 2.46][i]!,
  }));
  const section = workersSection({
    date: '2026-12-04',
    machine: 'AMD EPYC, 2 cores',
    job: 'a tiny job',
    rounds,
  });

  it('starts with its heading, dates and names the machine and the job', () => {
    expect(section.startsWith('## Workers\n')).toBe(true);
    expect(section).toContain('- Date: 2026-12-04\n- Machine: AMD EPYC, 2 cores\n');
    expect(section).toContain('200 small jobs (a tiny job)');
  });

  it('one row a round: jobs/s, its ratio to one worker, waits rounded, cores used, failures flagged', () => {
    const rows = section.split('\n').filter((l) => /^\| \d/.test(l));
    expect(rows).toEqual([
      '| 1 | 200 | 10.0 | 1.00× | 9000 | 18001 | 20.0 | 2.0 | 80 | 0.80 | 1.0 |',
      '| 2 | 200 | 18.0 | 1.80× | 5000 | 10000 | 11.1 | 2.5 | 90 | 1.62 | 2.0 |',
      '| 4 | 200 **3 failed: not a figure** | 17.5 | 1.75× | 5100 | 10200 | 11.4 | 3.0 | 121 | 2.11 | 2.5 |',
    ]);
  });
});
