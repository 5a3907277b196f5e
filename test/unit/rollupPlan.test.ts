import fc from 'fast-check';
import { CREATE_ROLLUPS, DROP_ROLLUPS } from '../../migrations/20261128000005_rollups';
import { plan, rollupTableDdl } from '../../src/db/rollups';

const H = 3_600_000;
const D = 24 * H;
const T0 = Date.UTC(2026, 10, 2);

describe('rollup window plan', () => {
  it('serves whole days from daily rows, whole hours around them from hourly rows, and the ragged ends live', () => {
    const p = plan({ orgId: 'o', from: new Date(T0 - 90 * 60_000), to: new Date(T0 + 2 * D + 2 * H + 10 * 60_000) }, T0 + 10 * D, T0 + 10 * D);
    expect(p.day).toEqual([[T0, T0 + 2 * D]]);
    expect(p.hour).toEqual([[T0 - H, T0], [T0 + 2 * D, T0 + 2 * D + 2 * H]]);
    expect(p.live).toEqual([[T0 - 90 * 60_000, T0 - H], [T0 + 2 * D + 2 * H, T0 + 2 * D + 2 * H + 10 * 60_000]]);
  });

  it('never reads a rollup past its last refresh: newer rows come live', () => {
    const p = plan({ orgId: 'o', from: new Date(T0), to: new Date(T0 + 3 * D) }, T0 + D + 5 * H, T0 + D);
    expect(p.day).toEqual([[T0, T0 + D]]);
    expect(p.hour).toEqual([[T0 + D, T0 + D + 5 * H]]);
    expect(p.live).toEqual([[T0 + D + 5 * H, T0 + 3 * D]]);
  });

  it('reads everything live before the first refresh', () => {
    expect(plan({ orgId: 'o', from: new Date(T0), to: new Date(T0 + 3 * D) }, 0, 0)).toEqual({ live: [[T0, T0 + 3 * D]], hour: [], day: [] });
  });

  it('covers every window exactly once, whatever the watermarks', () => {
    const minute = fc.integer({ min: 0, max: 5 * 24 * 60 }).map((m) => T0 + m * 60_000);
    fc.assert(
      fc.property(minute, minute, minute, minute, (a, b, hourMark, dayOffset) => {
        const [from, to] = a < b ? [a, b] : [b, a + 60_000];
        const dayMark = Math.min(Math.floor(hourMark / D) * D, Math.floor(dayOffset / D) * D);
        const p = plan({ orgId: 'o', from: new Date(from), to: new Date(to) }, Math.floor(hourMark / H) * H, dayMark);
        const pieces = [...p.live, ...p.hour, ...p.day].sort((x, y) => x[0] - y[0]);
        expect(pieces[0]![0]).toBe(from);
        expect(pieces.at(-1)![1]).toBe(to);
        for (let i = 1; i < pieces.length; i++) expect(pieces[i]![0]).toBe(pieces[i - 1]![1]);
        for (const [s, e] of p.day) expect(s % D === 0 && e % D === 0 && e <= dayMark).toBe(true);
        for (const [s, e] of p.hour) expect(s % H === 0 && e % H === 0 && e <= Math.floor(hourMark / H) * H).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('rollup tables and their migration', () => {
  it('the latest rollup migration creates exactly the tables today\'s definitions need', () => {
    // When a rollup definition changes, write a migration that drops and recreates the tables (spelled out,
    // as 20261128000005 does) and compare with that one here.
    expect(rollupTableDdl()).toEqual({ create: CREATE_ROLLUPS, drop: DROP_ROLLUPS });
  });
});
