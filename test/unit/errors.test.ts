import { z } from 'zod';
import { formatPath, zodDetails } from '../../src/errors';

describe('error details', () => {
  it('point at the exact element the way a person reads JSON', () => {
    expect(formatPath(['rules', 2, 'when', 'all', 0, 'op'])).toBe('rules[2].when.all[0].op');
    expect(formatPath([])).toBe('');
  });

  it('name each unknown field rather than its parent', () => {
    const r = z.strictObject({ a: z.string() }).safeParse({ a: 'x', b: 1, c: 2 });
    expect(r.success).toBe(false);
    expect(zodDetails(r.error!)).toEqual([
      { path: 'b', message: 'unknown field' },
      { path: 'c', message: 'unknown field' },
    ]);
  });
});
