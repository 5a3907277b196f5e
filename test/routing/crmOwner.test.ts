import { ActionSchema, type Action } from '../../src/routing/schema';
import { selectRep, takeTurn, type RepState, type SelectionContext, type SharedState } from '../../src/routing/select';
import { repState } from '../helpers/repState';
import { crmOwnersOf } from '../../src/crm/owners';
import { contactIdOf, contactProperties, leadFromContact, propertyMatters } from '../../src/crm/hubspot/leads';

/**
 * Issue 28, item 4: CRM_OWNER sends a lead to the rep mapped to its HubSpot contact's owner, else its
 * company's owner, when that rep is eligible; the rule's fallback otherwise; and the explanation names the
 * owner found and why it was or was not used. Pure: the routing core and the HubSpot mapping.
 */
const NOW = Date.parse('2026-12-07T10:00:00Z');
const rep = (id: string, over: Partial<RepState> = {}): RepState => repState(id, over, ['sdr']);
const action = (a: unknown): Action => ActionSchema.parse(a);
const mapping = new Map([['hubspot_owner_id' as const, new Map([['111', 'rep_owner'], ['222', 'rep_company']])]]);
const ctx = (reps: RepState[], attributes: Record<string, unknown>): SelectionContext => ({
  now: NOW,
  reps: Object.fromEntries(reps.map((r) => [r.id, r])),
  pools: {},
  owner: { contact_owner_id: null, domain_owner_ids: [], crm_owners: crmOwnersOf(attributes, mapping) },
});
const crmOwner = action({ strategy: 'CRM_OWNER', fallback: { strategy: 'ROUND_ROBIN', team: 'sdr' } });
const reps = () => [rep('rep_owner'), rep('rep_company'), rep('rep_pool')];

it('routes to the rep mapped to the contact owner, and says which owner it found', () => {
  const sel = selectRep(crmOwner, ctx(reps(), { hubspot_owner_id: '111', hubspot_company_owner_id: '222' }));
  expect(sel.rep_id).toBe('rep_owner');
  expect(sel.stages[0]!.owners).toEqual([
    { crm: 'hubspot', source: 'contact', owner_id: '111', rep_id: 'rep_owner' },
    { crm: 'hubspot', source: 'company', owner_id: '222', rep_id: 'rep_company' },
  ]);
});

it("falls back to the company's owner when the contact's owner cannot take it, saying why", () => {
  const sel = selectRep(crmOwner, ctx([rep('rep_owner', { status: 'AWAY' }), rep('rep_company')], { hubspot_owner_id: '111', hubspot_company_owner_id: '222' }));
  expect(sel.rep_id).toBe('rep_company');
  expect(sel.stages[0]!.candidates).toEqual([
    { rep_id: 'rep_owner', eligible: false, reason: 'AWAY' },
    { rep_id: 'rep_company', eligible: true },
  ]);
});

it("uses the rule's fallback when the owner maps to no rep, and the explanation shows the unmapped owner", () => {
  const sel = selectRep(crmOwner, ctx(reps(), { hubspot_owner_id: '999' }));
  expect(sel.stages[0]!.owners).toEqual([{ crm: 'hubspot', source: 'contact', owner_id: '999', rep_id: null }]);
  expect(sel.stages[0]!.rep_id).toBeNull();
  expect(sel.stages[1]!.strategy).toBe('ROUND_ROBIN');
  expect(sel.rep_id).toBe('rep_company');
});

it('uses the fallback for a lead with no CRM owner at all', () => {
  const sel = selectRep(crmOwner, ctx(reps(), {}));
  expect(sel.stages[0]!.owners).toEqual([]);
  expect(sel.stages[1]!.rep_id).toBe(sel.rep_id);
});

it('with a pool, an owner outside it is NOT_IN_POOL', () => {
  const inTeam = action({ strategy: 'CRM_OWNER', team: 'emea' });
  const sel = selectRep(inTeam, ctx(reps(), { hubspot_owner_id: '111' }));
  expect(sel.rep_id).toBeNull();
  expect(sel.stages[0]!.candidates).toEqual([{ rep_id: 'rep_owner', eligible: false, reason: 'NOT_IN_POOL' }]);
});

describe('owner_takes_turn: whether a lead routed to its owner uses up their round-robin turn', () => {
  /** Routes leads one after the other, the turns taken before each one counted: who got each. */
  function route(a: Action, owners: Array<string | null>, team: RepState[]): string[] {
    let state: SharedState = { reps: Object.fromEntries(team.map((r) => [r.id, r])), pools: {} };
    return owners.map((owner) => {
      const sel = selectRep(a, { now: NOW, ...state, owner: { contact_owner_id: null, domain_owner_ids: [], crm_owners: crmOwnersOf(owner ? { hubspot_owner_id: owner } : {}, mapping) } });
      state = takeTurn(state, sel, NOW, null);
      return sel.rep_id!;
    });
  }
  const team = () => [rep('rep_company'), rep('rep_owner'), rep('rep_pool')];

  it('by default it does not: the rotation goes on as if the owner lead had not been', () => {
    expect(route(crmOwner, [null, '111', null, null], team())).toEqual(['rep_company', 'rep_owner', 'rep_owner', 'rep_pool']);
  });

  it('with owner_takes_turn, the owner passes their next turn, once', () => {
    const taking = action({ strategy: 'CRM_OWNER', owner_takes_turn: true, fallback: { strategy: 'ROUND_ROBIN', team: 'sdr' } });
    expect(route(taking, [null, '111', null, null, null, null], team())).toEqual(['rep_company', 'rep_owner', 'rep_pool', 'rep_company', 'rep_owner', 'rep_pool']);
  });

  it('with owner_takes_turn and a WEIGHTED fallback, the owner lead is charged as a pick', () => {
    const weighted = action({ strategy: 'CRM_OWNER', owner_takes_turn: true, fallback: { strategy: 'WEIGHTED', team: 'sdr' } });
    const got = route(weighted, ['111', '111', null, null, null, null, null, null, null], team());
    // Two leads as owner already: rep_owner gets none of the next four, and over all nine each rep has three.
    expect(got.slice(2, 6)).not.toContain('rep_owner');
    expect(['rep_company', 'rep_owner', 'rep_pool'].map((id) => got.filter((r) => r === id).length)).toEqual([3, 3, 3]);
  });

  it('is refused without a rotating fallback, saying what it needs', () => {
    const r = ActionSchema.safeParse({ strategy: 'CRM_OWNER', owner_takes_turn: true, fallback: { strategy: 'LOAD_BALANCED', team: 'sdr' } });
    expect(r.success).toBe(false);
    expect(r.error!.issues[0]!.message).toMatch(/owner_takes_turn needs OWNER or CRM_OWNER with a ROUND_ROBIN or WEIGHTED fallback/);
  });
});

it('makes a lead from a contact: fields, attributes under HubSpot names, the owners, and no lead without an email', () => {
  const lead = leadFromContact({ id: '42', properties: { email: 'x@acme.io', firstname: 'X', numemployees: '12', lifecyclestage: 'lead', hubspot_owner_id: '111', empty: '' } }, '222');
  expect(lead).toEqual({
    email: 'x@acme.io',
    first_name: 'X',
    employees: 12,
    source: 'hubspot',
    external_id: 'hubspot:contact:42',
    attributes: { email: 'x@acme.io', firstname: 'X', numemployees: '12', lifecyclestage: 'lead', hubspot_owner_id: '111', hubspot_company_owner_id: '222' },
  });
  expect(leadFromContact({ id: '43', properties: { email: null } }, null)).toEqual({ ignored: 'the contact has no email address' });
  expect(contactIdOf('hubspot:contact:42')).toBe('42');
  expect(contactIdOf('salesforce:lead:42')).toBeNull();
});

it('reads the properties the rules name, and re-routes on a change of those only (never of the owner)', () => {
  const fields = ['attributes.lifecyclestage', 'attributes.Not_A_Property', 'country'];
  expect(contactProperties(fields)).toEqual(expect.arrayContaining(['lifecyclestage', 'hubspot_owner_id', 'associatedcompanyid', 'email']));
  expect(contactProperties(fields)).not.toContain('Not_A_Property');
  expect(propertyMatters('lifecyclestage', fields)).toBe(true);
  expect(propertyMatters('country', fields)).toBe(true);
  expect(propertyMatters('hs_analytics_source', fields)).toBe(false);
  expect(propertyMatters('hubspot_owner_id', [...fields, 'attributes.hubspot_owner_id'])).toBe(false);
});
