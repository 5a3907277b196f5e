import fc from 'fast-check';
import { ActionSchema, type Action } from '../../src/routing/schema';
import { repState } from '../helpers/repState';
import { EMPTY_POOL, selectRep, skipReason, takeTurn, type PoolState, type RepState, type SelectionContext, type SharedState } from '../../src/routing/select';

const NOW = Date.parse('2026-11-25T10:00:00Z'); // a Wednesday

const rep = (id: string, over: Partial<RepState> = {}): RepState => repState(id, over);

const action = (a: unknown): Action => ActionSchema.parse(a);
const byId = (reps: RepState[]) => Object.fromEntries(reps.map((r) => [r.id, r]));
const ctx = (reps: RepState[], over: Partial<SelectionContext> = {}): SelectionContext => ({ now: NOW, reps: byId(reps), pools: {}, ...over });

/** Routes `n` leads one after another the way the assign activity does: state in, state out. */
function simulate(a: Action, reps: RepState[], n: number, beforeEach?: (i: number, reps: RepState[]) => void, pools: Record<string, PoolState> = {}) {
  const picks: Array<string | null> = [];
  for (let i = 0; i < n; i++) {
    beforeEach?.(i, reps);
    const sel = selectRep(a, { now: NOW + i, reps: byId(reps), pools });
    Object.assign(pools, sel.pool_updates);
    picks.push(sel.rep_id);
    const r = reps.find((x) => x.id === sel.rep_id);
    if (r) {
      r.open_leads++;
      r.assigned_today++;
      r.last_assigned_at = NOW + i;
    }
  }
  return { picks, pools };
}

const counts = (picks: Array<string | null>) => picks.reduce<Record<string, number>>((acc, p) => ((acc[p ?? 'none'] = (acc[p ?? 'none'] ?? 0) + 1), acc), {});

describe('eligibility, with the reason for every skipped rep', () => {
  const rr = action({ strategy: 'ROUND_ROBIN', team: 't', respect_working_hours: true });
  const cases: Array<[string, Partial<RepState>, string | null, string[]?]> = [
    ['available', {}, null],
    ['away', { status: 'AWAY' }, 'AWAY'],
    ['offline', { status: 'OFFLINE' }, 'OFFLINE'],
    ['deleted', { active: false }, 'INACTIVE'],
    ['out of office now', { out_of_office: [{ start: '2026-11-24T00:00:00Z', end: '2026-11-26T00:00:00Z' }] }, 'OUT_OF_OFFICE'],
    ['out of office later', { out_of_office: [{ start: '2026-12-24T00:00:00Z', end: '2026-12-26T00:00:00Z' }] }, null],
    ['outside working hours (Wed 10:00 UTC is 19:00 in Tokyo)', { timezone: 'Asia/Tokyo', working_hours: { wed: [['09:00', '17:00']] } }, 'OUTSIDE_WORKING_HOURS'],
    ['inside working hours (11:00 in Berlin)', { timezone: 'Europe/Berlin', working_hours: { wed: [['09:00', '17:00']] } }, null],
    ['at capacity', { max_open_leads: 3, open_leads: 3 }, 'AT_CAPACITY'],
    ['under capacity', { max_open_leads: 3, open_leads: 2 }, null],
    ['at the daily cap', { daily_cap: 5, assigned_today: 5 }, 'AT_DAILY_CAP'],
    ['already had this lead', {}, 'ALREADY_HAD_LEAD', ['r1']],
  ];
  // Rows are padded to four columns: jest passes a done callback in place of a missing last column.
  it.each(cases.map(([name, over, reason, exclude]): [string, Partial<RepState>, string | null, string[]] => [name, over, reason, exclude ?? []]))('%s', (_name, over, reason, exclude) => {
    expect(skipReason(rep('r1', over), rr, ctx([], { exclude }))).toBe(reason);
  });

  it('ignores working hours unless the rule asks to respect them', () => {
    const tokyo = rep('r1', { timezone: 'Asia/Tokyo', working_hours: { wed: [['09:00', '17:00']] } });
    expect(skipReason(tokyo, action({ strategy: 'ROUND_ROBIN', team: 't' }), ctx([]))).toBeNull();
  });

  it('lists every candidate of the pool in the explanation', () => {
    const sel = selectRep(rr, ctx([rep('a', { status: 'AWAY' }), rep('b', { max_open_leads: 0 }), rep('c')]));
    expect(sel.rep_id).toBe('c');
    expect(sel.stages[0]!.candidates).toEqual([
      { rep_id: 'a', eligible: false, reason: 'AWAY' },
      { rep_id: 'b', eligible: false, reason: 'AT_CAPACITY' },
      { rep_id: 'c', eligible: true },
    ]);
  });
});

describe('strategies', () => {
  it('DIRECT gives the lead to the named rep, or goes to the fallback when that rep cannot take it', () => {
    const a = action({ strategy: 'DIRECT', rep_id: 'vip', fallback: { strategy: 'ROUND_ROBIN', team: 't' } });
    expect(selectRep(a, ctx([rep('vip'), rep('x')])).rep_id).toBe('vip');
    const sel = selectRep(a, ctx([rep('vip', { status: 'AWAY' }), rep('x')]));
    expect(sel.rep_id).toBe('x');
    expect(sel.stages.map((s) => s.strategy)).toEqual(['DIRECT', 'ROUND_ROBIN']);
    expect(sel.stages[0]!.candidates).toEqual([{ rep_id: 'vip', eligible: false, reason: 'AWAY' }]);
  });

  it('OWNER prefers the contact owner, then a same-domain owner, then then.fallback', () => {
    const a = action({ strategy: 'OWNER', fallback: { strategy: 'ROUND_ROBIN', team: 't' } });
    const reps = [rep('owner'), rep('domain1'), rep('domain2'), rep('pool')];
    const owner = { contact_owner_id: 'owner', domain_owner_ids: ['domain1', 'domain2'] };
    expect(selectRep(a, ctx(reps, { owner })).rep_id).toBe('owner');
    reps[0]!.status = 'OFFLINE';
    expect(selectRep(a, ctx(reps, { owner })).rep_id).toBe('domain1');
    const none = selectRep(a, ctx(reps, { owner: { contact_owner_id: null, domain_owner_ids: [] } }));
    expect(none.stages[0]!.candidates).toEqual([]);
    expect(none.rep_id).toBe('domain1'); // round robin over team t, first in id order
    expect(none.stages[1]!.strategy).toBe('ROUND_ROBIN');
  });

  it('OWNER with a pool only counts owners inside it', () => {
    const a = action({ strategy: 'OWNER', team: 'emea' });
    const sel = selectRep(a, ctx([rep('o', { teams: ['amer'] })], { owner: { contact_owner_id: 'o', domain_owner_ids: [] } }));
    expect(sel.rep_id).toBeNull();
    expect(sel.stages[0]!.candidates).toEqual([{ rep_id: 'o', eligible: false, reason: 'NOT_IN_POOL' }]);
  });

  it('ROUND_ROBIN over an explicit rep list ignores reps outside it', () => {
    const { picks } = simulate(action({ strategy: 'ROUND_ROBIN', rep_ids: ['c', 'a'] }), [rep('a'), rep('b'), rep('c')], 4);
    expect(picks).toEqual(['a', 'c', 'a', 'c']);
  });

  it('LOAD_BALANCED picks the lowest open/capacity, breaking ties by the longest wait', () => {
    const a = action({ strategy: 'LOAD_BALANCED', team: 't' });
    const reps = [rep('a', { open_leads: 5, max_open_leads: 10 }), rep('b', { open_leads: 2, max_open_leads: 2 + 2 }), rep('c', { open_leads: 4, max_open_leads: 20 })];
    expect(selectRep(a, ctx(reps)).rep_id).toBe('c'); // 0.2 < 0.5 = 0.5
    const tie = [rep('a', { open_leads: 1, last_assigned_at: 200 }), rep('b', { open_leads: 1, last_assigned_at: 100 })];
    expect(selectRep(a, ctx(tie)).rep_id).toBe('b');
  });

  it('answers no rep, with every reason, when nobody is eligible', () => {
    const sel = selectRep(action({ strategy: 'ROUND_ROBIN', team: 't' }), ctx([rep('a', { status: 'AWAY' })]));
    expect(sel.rep_id).toBeNull();
    expect(sel.pool_updates).toEqual({});
  });
});

const repArb = (id: string) =>
  fc.record({
    status: fc.constantFrom('AVAILABLE', 'AVAILABLE', 'AVAILABLE', 'AWAY', 'OFFLINE'),
    active: fc.constantFrom(true, true, true, true, false),
    weight: fc.integer({ min: 0, max: 5 }),
    max_open_leads: fc.option(fc.integer({ min: 0, max: 6 })),
    daily_cap: fc.option(fc.integer({ min: 0, max: 6 })),
    open_leads: fc.integer({ min: 0, max: 6 }),
    assigned_today: fc.integer({ min: 0, max: 6 }),
    ooo: fc.boolean(),
  }).map((r) =>
    rep(id, {
      status: r.status as RepState['status'],
      active: r.active,
      weight: r.weight,
      max_open_leads: r.max_open_leads,
      daily_cap: r.daily_cap,
      open_leads: r.open_leads,
      assigned_today: r.assigned_today,
      out_of_office: r.ooo ? [{ start: '2026-11-01T00:00:00Z', end: '2026-12-01T00:00:00Z' }] : [],
    }),
  );

describe('properties', () => {
  it('never picks an ineligible rep, whatever the strategy and state', () => {
    fc.assert(
      fc.property(
        fc.tuple(repArb('a'), repArb('b'), repArb('c'), repArb('d')),
        fc.constantFrom('ROUND_ROBIN', 'WEIGHTED', 'LOAD_BALANCED', 'DIRECT', 'OWNER'),
        fc.subarray(['a', 'b', 'c', 'd']),
        (reps, strategy, exclude) => {
          const a = action(strategy === 'DIRECT' ? { strategy, rep_id: 'b' } : strategy === 'OWNER' ? { strategy } : { strategy, team: 't' });
          const c = ctx(reps, { exclude, owner: { contact_owner_id: 'c', domain_owner_ids: ['a', 'd'] } });
          const sel = selectRep(a, c);
          if (sel.rep_id) expect(skipReason(c.reps[sel.rep_id], a, c)).toBeNull();
          const anyEligible = sel.stages[0]!.candidates.some((x) => x.eligible);
          expect(sel.rep_id !== null).toBe(anyEligible);
        },
      ),
      { numRuns: 2000 },
    );
  });

  it('ROUND_ROBIN over N equally eligible reps for K leads gives counts differing by at most 1', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 12 }), fc.integer({ min: 0, max: 300 }), fc.option(fc.string({ minLength: 1, maxLength: 3 })), (n, k, start) => {
        const reps = Array.from({ length: n }, (_, i) => rep(`r${String(i).padStart(2, '0')}`));
        const pools = { 'team:t': { ...EMPTY_POOL, last_rep_id: start } };
        const c = counts(simulate(action({ strategy: 'ROUND_ROBIN', team: 't' }), reps, k, undefined, pools).picks);
        const values = reps.map((r) => c[r.id] ?? 0);
        expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(1);
      }),
      { numRuns: 300 },
    );
  });

  it('WEIGHTED shares converge to the weights', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 6 }), fc.integer({ min: 1, max: 40 }), (weights, rounds) => {
        const reps = weights.map((w, i) => rep(`r${i}`, { weight: w }));
        const total = weights.reduce((a, b) => a + b, 0);
        const k = rounds * total + 3;
        const c = counts(simulate(action({ strategy: 'WEIGHTED', team: 't' }), reps, k).picks);
        reps.forEach((r) => expect(Math.abs((c[r.id] ?? 0) - (k * r.weight) / total)).toBeLessThanOrEqual(3));
      }),
      { numRuns: 300 },
    );
  });

  it('LOAD_BALANCED never takes a rep past max_open_leads, and stops when all are full', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 1, maxLength: 6 }), (caps) => {
        const reps = caps.map((cap, i) => rep(`r${i}`, { max_open_leads: cap }));
        const capacity = caps.reduce((a, b) => a + b, 0);
        const { picks } = simulate(action({ strategy: 'LOAD_BALANCED', team: 't' }), reps, capacity + 5);
        reps.forEach((r) => expect(r.open_leads).toBeLessThanOrEqual(r.max_open_leads!));
        expect(picks.filter((p) => p !== null)).toHaveLength(capacity);
      }),
      { numRuns: 300 },
    );
  });

  it('ROUND_ROBIN: a rep back from being away gets the next turn in order, no catch-up burst, and nobody else loses a turn', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 30 }), fc.nat(), (n, before, away, who) => {
        const reps = Array.from({ length: n }, (_, i) => rep(`r${i}`));
        const awayRep = reps[who % n]!;
        const a = action({ strategy: 'ROUND_ROBIN', team: 't' });
        const { picks } = simulate(a, reps, before + away + 2 * n, (i) => {
          awayRep.status = i >= before && i < before + away ? 'AWAY' : 'AVAILABLE';
        });
        const during = picks.slice(before, before + away);
        expect(during).not.toContain(awayRep.id);
        // While away, the others keep their strict rotation: no one twice before everyone else had one.
        for (let i = 0; i + n - 1 <= during.length; i++) expect(new Set(during.slice(i, i + n - 1)).size).toBe(Math.min(n - 1, during.slice(i, i + n - 1).length));
        // After returning: every window of n consecutive leads gives each rep exactly one.
        const after = picks.slice(before + away);
        for (let i = 0; i + n <= after.length; i++) expect(new Set(after.slice(i, i + n)).size).toBe(n);
      }),
      { numRuns: 300 },
    );
  });

  it('ROUND_ROBIN: adding a rep to the pool does not reset anyone\'s turn', () => {
    fc.assert(
      fc.property(fc.integer({ min: 2, max: 8 }), fc.integer({ min: 1, max: 20 }), fc.integer({ min: 0, max: 99 }), (n, before, newIdNum) => {
        const reps = Array.from({ length: n }, (_, i) => rep(`r${String(i * 10).padStart(2, '0')}`));
        const a = action({ strategy: 'ROUND_ROBIN', team: 't' });
        const pools: Record<string, PoolState> = {};
        const first = simulate(a, reps, before, undefined, pools).picks;
        const lastBefore = first[first.length - 1]!;
        const newcomer = rep(`r${String(newIdNum).padStart(2, '0')}x`);
        reps.push(newcomer);
        const next = simulate(a, reps, n + 1, undefined, pools).picks;
        // The rotation continues after the last rep served; it does not restart from the first rep.
        const order = reps.map((r) => r.id).sort();
        const expectedNext = order.find((id) => id > lastBefore) ?? order[0];
        expect(next[0]).toBe(expectedNext);
        expect(new Set(next).size).toBe(n + 1);
      }),
      { numRuns: 300 },
    );
  });

  it('leads decided together in one transaction (takeTurn) get the reps they would get one transaction each', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ weight: fc.integer({ min: 1, max: 4 }), cap: fc.option(fc.integer({ min: 0, max: 6 })), daily: fc.option(fc.integer({ min: 0, max: 6 })), open: fc.integer({ min: 0, max: 3 }) }), { minLength: 1, maxLength: 6 }),
        fc.constantFrom('ROUND_ROBIN', 'WEIGHTED', 'LOAD_BALANCED'),
        fc.integer({ min: 1, max: 40 }),
        (specs, strategy, n) => {
          const reps = () => specs.map((x, i) => rep(`r${i}`, { weight: x.weight, max_open_leads: x.cap, daily_cap: x.daily, open_leads: x.open }));
          const a = action({ strategy, team: 't' });
          const oneByOne = simulate(a, reps(), n).picks;
          let state: SharedState = { reps: byId(reps()), pools: {} };
          const together: Array<string | null> = [];
          for (let i = 0; i < n; i++) {
            const sel = selectRep(a, { now: NOW + i, ...state });
            together.push(sel.rep_id);
            if (sel.rep_id) state = takeTurn(state, sel, NOW + i, null);
          }
          expect(together).toEqual(oneByOne);
        },
      ),
      { numRuns: 500 },
    );
  });

  it('takeTurn moves a reassigned lead\'s capacity from the rep who had it to the one who gets it', () => {
    const state: SharedState = { reps: byId([rep('a', { open_leads: 2, max_open_leads: 2 }), rep('b')]), pools: {} };
    const sel = selectRep(action({ strategy: 'ROUND_ROBIN', team: 't' }), { now: NOW, ...state, exclude: ['a'] });
    const after = takeTurn(state, sel, NOW, 'a');
    expect([after.reps.a!.open_leads, after.reps.b!.open_leads, after.reps.b!.assigned_today]).toEqual([1, 1, 1]);
    expect(after.pools['team:t']!.last_rep_id).toBe('b');
    expect(state.reps.a!.open_leads).toBe(2);
  });
});
