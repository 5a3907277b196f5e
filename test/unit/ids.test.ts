import { isId, newId } from '../../src/ids';

describe('ids', () => {
  it('carry the resource prefix and are recognised by kind', () => {
    const id = newId('rep');
    expect(id).toMatch(/^rep_[0-9a-z]{22}$/);
    expect(isId('rep', id)).toBe(true);
    expect(isId('lead', id)).toBe(false);
    expect(isId('rep', 'rep_../../etc')).toBe(false);
  });

  it('sort by creation time, so pages are stable and newest-first is an index scan', () => {
    const ids = [1_700_000_000_000, 1_700_000_000_001, 1_800_000_000_000].map((t) => newId('lead', t));
    expect([...ids].sort()).toEqual(ids);
  });

  it('do not collide in bulk', () => {
    const ids = new Set(Array.from({ length: 20000 }, () => newId('event', 42)));
    expect(ids.size).toBe(20000);
  });
});
