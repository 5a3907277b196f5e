import { createOrg } from '../../src/db/orgs';
import { zonedToUtc, localTime } from '../../src/routing/time';
import { logActivity } from '../../src/services/contacts';
import { closeLead, ingestLead } from '../../src/services/leads';
import type { ServiceDeps } from '../../src/services/deps';
import { changeRep, createRep } from '../../src/services/reps';
import { createRuleset, publishRuleset } from '../../src/services/rulesets';
import { stateQuery } from '../../src/lead/messages';
import { RulesetCreate } from '../../src/schemas/rulesets';
import { RepCreate } from '../../src/schemas/reps';
import type { z } from 'zod';
import { startTimeSkipping, type TimeSkippingStack } from '../helpers/timeSkipping';
import { waitFor } from '../helpers/wait';

let ts: TimeSkippingStack;
let deps: ServiceDeps;

beforeAll(async () => {
  ts = await startTimeSkipping();
  deps = ts.deps;
});
afterAll(() => ts.teardown());

const MIN = 60_000;
const NINE_TO_FIVE: RepIn['working_hours'] = { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], wed: [['09:00', '17:00']], thu: [['09:00', '17:00']], fri: [['09:00', '17:00']] };

let n = 0;
type RulesIn = Omit<z.input<typeof RulesetCreate>, 'name'>;
type RepIn = Partial<z.input<typeof RepCreate>>;

const rep = (orgId: string, r: RepIn) => createRep(deps, orgId, RepCreate.parse({ name: 'Rep', email: `rep${++n}@x.io`, ...r }));
const publish = async (orgId: string, rules: RulesIn) => publishRuleset(deps, orgId, (await createRuleset(deps, orgId, RulesetCreate.parse({ name: 'rules', ...rules }))).id);

async function scenario(rules: RulesIn, reps: RepIn[]) {
  const org = await createOrg(ts.db, `ts ${++n}`);
  const ids: string[] = [];
  for (const r of reps) ids.push((await rep(org.id, r)).id);
  if (rules.rules.length) await publish(org.id, rules);
  return { orgId: org.id, reps: ids };
}

async function ingest(orgId: string, email: string) {
  const lead = await ingestLead(deps, orgId, { email }, { waitMs: 0 });
  return waitFor(async () => {
    const row = await ts.db('leads').where({ id: lead.id }).first();
    return row.status !== 'ROUTING' ? row : null;
  }, { what: 'the routing decision' });
}

async function timeline(leadId: string): Promise<Array<{ type: string; at: number; rep_id: string | null; data: Record<string, unknown> }>> {
  const rows = await ts.db('events').where({ lead_id: leadId }).orderBy([{ column: 'occurred_at' }, { column: 'seq' }]);
  return rows.map((r) => ({ type: r.type, at: r.occurred_at.getTime(), rep_id: r.rep_id, data: r.data }));
}

/** Advances simulated time and lets the workflow catch up. */
async function advance(ms: number): Promise<void> {
  await ts.env.sleep(ms);
}

async function eventually<T>(fn: () => Promise<T>, what: string) {
  return waitFor(fn, { what, timeoutMs: 20_000 });
}

const types = async (leadId: string) => (await timeline(leadId)).map((e) => e.type);

describe('lead workflow on the time-skipping server', () => {
  it('stops the SLA clock when the assigned rep calls before the deadline', async () => {
      const { orgId, reps } = await scenario({ rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr', sla: { first_touch_minutes: 30, escalations: [{ after_minutes: 0, action: 'REASSIGN' }] } } }] }, [{ teams: ['sdr'] }, { teams: ['sdr'] }]);
      const lead = await ingest(orgId, 'met@acme.io');
      const t0 = (await timeline(lead.id)).find((e) => e.type === 'ASSIGNED')!.at;
      await advance(10 * MIN);
      const activity = await logActivity(deps, orgId, lead.contact_id, { type: 'CALL', rep_id: lead.assigned_rep_id });
      expect(activity.first_touch).toBe(true);
      await advance(2 * 60 * MIN);
      const after = await ts.db('leads').where({ id: lead.id }).first();
      expect(after.status).toBe('CONTACTED');
      expect(after.assigned_rep_id).toBe(lead.assigned_rep_id);
      expect(after.first_touch_at.getTime() - t0).toBeGreaterThanOrEqual(10 * MIN);
      expect(after.first_touch_at.getTime() - t0).toBeLessThan(11 * MIN);
      expect(await types(lead.id)).toEqual(['RECEIVED', 'ROUTED', 'ASSIGNED', 'CONTACTED']);
      expect(reps).toContain(lead.assigned_rep_id);
    });

  it('on a breach runs REMIND, NOTIFY_MANAGER and REASSIGN at the right simulated times, then gives up after max_reassignments', async () => {
      const org = await createOrg(ts.db, 'chain');
      const manager = await rep(org.id, { name: 'Boss', teams: ['managers'] });
      const a = await rep(org.id, { name: 'A', teams: ['sdr'], manager_id: manager.id });
      const b = await rep(org.id, { name: 'B', teams: ['sdr'], manager_id: manager.id });
      await publish(org.id, {
        rules: [
          {
            id: 'all',
            then: {
              strategy: 'ROUND_ROBIN',
              team: 'sdr',
              sla: {
                first_touch_minutes: 15,
                escalations: [
                  { after_minutes: 0, action: 'REMIND' },
                  { after_minutes: 10, action: 'NOTIFY_MANAGER' },
                  { after_minutes: 20, action: 'REASSIGN' },
                ],
                max_reassignments: 1,
              },
            },
          },
        ],
      });
      const lead = await ingest(org.id, 'chain@acme.io');
      const first = lead.assigned_rep_id;
      const second = first === a.id ? b.id : a.id;
      await advance(80 * MIN);
      const events = await eventually(async () => {
        const t = await timeline(lead.id);
        return t.some((e) => e.type === 'ALERT') ? t : null;
      }, 'the chain to finish');
      const t0 = events.find((e) => e.type === 'ASSIGNED')!.at;
      const rel = events.filter((e) => !['RECEIVED', 'ROUTED'].includes(e.type)).map((e) => [e.type, Math.round((e.at - t0) / MIN), e.rep_id]);
      expect(rel).toEqual([
        ['ASSIGNED', 0, first],
        ['SLA_BREACHED', 15, first],
        ['REMINDED', 15, first],
        // Nobody here has an address, so each notification is recorded as skipped at its step's time.
        ['NOTIFIED', 15, first],
        ['ESCALATED', 25, first],
        ['NOTIFIED', 25, manager.id],
        ['REASSIGNED', 35, second],
        ['SLA_BREACHED', 50, second],
        ['REMINDED', 50, second],
        ['NOTIFIED', 50, second],
        ['ESCALATED', 60, second],
        ['NOTIFIED', 60, manager.id],
        ['UNASSIGNED', 70, second],
        ['ALERT', 70, null],
        ['NOTIFIED', 70, null],
      ]);
      expect(events.filter((e) => e.type === 'NOTIFIED').map((e) => [e.data.kind, e.data.status])).toEqual([
        ['REMINDER', 'SKIPPED'],
        ['ESCALATION', 'SKIPPED'],
        ['REMINDER', 'SKIPPED'],
        ['ESCALATION', 'SKIPPED'],
        ['GIVEN_UP', 'SKIPPED'],
      ]);
      expect(events.find((e) => e.type === 'ESCALATED')!.data.manager_id).toBe(manager.id);
      const row = await ts.db('leads').where({ id: lead.id }).first();
      expect(row).toMatchObject({ status: 'UNASSIGNED', unassigned_reason: 'MAX_REASSIGNMENTS', reassignment_count: 1 });
      const state = await ts.env.client.workflow.getHandle(`lead-${lead.id}`).query(stateQuery);
      expect(state).toMatchObject({ status: 'UNASSIGNED', unassignedReason: 'MAX_REASSIGNMENTS', previousReps: [first, second] });
    });

  it('exhausts max_reassignments: each REASSIGN goes to a rep who has not had the lead, then UNASSIGNED with an alert', async () => {
      const { orgId, reps } = await scenario(
        { rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr', sla: { first_touch_minutes: 5, escalations: [{ after_minutes: 0, action: 'REASSIGN' }], max_reassignments: 2 } } }] },
        [{ teams: ['sdr'] }, { teams: ['sdr'] }, { teams: ['sdr'] }, { teams: ['sdr'] }],
      );
      const lead = await ingest(orgId, 'hot@acme.io');
      await advance(20 * MIN);
      const events = await eventually(async () => {
        const t = await timeline(lead.id);
        return t.some((e) => e.type === 'ALERT') ? t : null;
      }, 'reassignments to run out');
      const holders = events.filter((e) => e.type === 'ASSIGNED' || e.type === 'REASSIGNED').map((e) => e.rep_id);
      expect(holders).toHaveLength(3);
      expect(new Set(holders).size).toBe(3);
      expect(events.filter((e) => e.type === 'SLA_BREACHED')).toHaveLength(3);
      expect(events.at(-2)).toMatchObject({ type: 'ALERT', data: expect.objectContaining({ reason: 'MAX_REASSIGNMENTS' }) });
      expect(events.at(-1)).toMatchObject({ type: 'NOTIFIED', data: { kind: 'GIVEN_UP', status: 'SKIPPED', error: 'the organization has no escalation contacts' } });
      const counts = await ts.db('reps').whereIn('id', reps).select('open_leads');
      expect(counts.every((c) => c.open_leads === 0)).toBe(true);
    });

  it('counts a business-hours SLA only in working hours: Friday 16:50 + 15 minutes is due Monday 09:05 Berlin time', async () => {
      const { orgId } = await scenario(
        { rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'emea', sla: { first_touch_minutes: 15, business_hours: true, escalations: [{ after_minutes: 0, action: 'REMIND' }] } } }] },
        [{ teams: ['emea'], timezone: 'Europe/Berlin', working_hours: NINE_TO_FIVE }],
      );
      // Move the simulated clock to the next Friday, 16:50 in Berlin.
      const now = await ts.env.currentTimeMs();
      const t = localTime(now, 'Europe/Berlin');
      const daysToFriday = (5 - t.weekday + 7) % 7 || 7;
      const friday = zonedToUtc(t.year, t.month, t.day + daysToFriday, 16 * 60 + 50, 'Europe/Berlin');
      await advance(friday - now);
      const lead = await ingest(orgId, 'weekend@acme.io');
      const fri = localTime(friday, 'Europe/Berlin');
      const mondayDue = zonedToUtc(fri.year, fri.month, fri.day + 3, 9 * 60 + 5, 'Europe/Berlin');
      // The lead was assigned a few milliseconds after 16:50:00; the deadline carries them over.
      expect(Math.abs(lead.sla_due_at.getTime() - mondayDue)).toBeLessThan(1000);

      await advance(mondayDue - friday - 2 * MIN);
      expect(await types(lead.id)).not.toContain('SLA_BREACHED');
      await advance(4 * MIN);
      const breach = await eventually(async () => (await timeline(lead.id)).find((e) => e.type === 'SLA_BREACHED'), 'the Monday breach');
      expect(Math.abs(breach.at - mondayDue)).toBeLessThan(MIN);
    });

  it('closing during the wait ends the workflow, frees the rep, and nothing fires afterwards', async () => {
      const { orgId, reps } = await scenario(
        { rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr', sla: { first_touch_minutes: 30, escalations: [{ after_minutes: 0, action: 'REASSIGN' }] } } }] },
        [{ teams: ['sdr'] }, { teams: ['sdr'] }],
      );
      const lead = await ingest(orgId, 'close@acme.io');
      await advance(5 * MIN);
      const closed = await closeLead(deps, orgId, lead.id, 'spam');
      expect(closed.status).toBe('CLOSED');
      const result = await ts.env.client.workflow.getHandle(`lead-${lead.id}`).result();
      expect(result.status).toBe('CLOSED');
      await advance(2 * 60 * MIN);
      expect(await types(lead.id)).toEqual(['RECEIVED', 'ROUTED', 'ASSIGNED', 'CLOSED']);
      const counts = await ts.db('reps').whereIn('id', reps).select('open_leads');
      expect(counts.every((c) => c.open_leads === 0)).toBe(true);
    });

  it('waits with no eligible rep and routes the lead as soon as one becomes available', async () => {
      const { orgId, reps } = await scenario({ rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] }, [{ teams: ['sdr'], status: 'AWAY' }]);
      const lead = await ingest(orgId, 'nobody@acme.io');
      expect(lead).toMatchObject({ status: 'UNASSIGNED', unassigned_reason: 'NO_ELIGIBLE_REP' });
      await advance(3 * 60 * MIN); // hours pass: the lead keeps waiting, it is not dropped
      expect((await ts.db('leads').where({ id: lead.id }).first()).status).toBe('UNASSIGNED');
      await changeRep(deps, orgId, reps[0]!, { status: 'AVAILABLE' });
      const assigned = await eventually(async () => {
        const row = await ts.db('leads').where({ id: lead.id }).first();
        return row.status === 'ASSIGNED' ? row : null;
      }, 'the lead to be assigned');
      expect(assigned.assigned_rep_id).toBe(reps[0]);
    });

  it('routes a lead waiting for working hours the moment they begin, without any event', async () => {
      const { orgId, reps } = await scenario(
        { rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'apac', respect_working_hours: true } }] },
        [{ teams: ['apac'], timezone: 'Asia/Tokyo', working_hours: { mon: [['09:00', '18:00']], tue: [['09:00', '18:00']], wed: [['09:00', '18:00']], thu: [['09:00', '18:00']], fri: [['09:00', '18:00']] } }],
      );
      // Move to the next 20:00 in Tokyo on a weekday evening, outside hours.
      const now = await ts.env.currentTimeMs();
      const t = localTime(now, 'Asia/Tokyo');
      const daysToTuesday = (2 - t.weekday + 7) % 7 || 7;
      const evening = zonedToUtc(t.year, t.month, t.day + daysToTuesday, 20 * 60, 'Asia/Tokyo');
      await advance(evening - now);
      const lead = await ingest(orgId, 'night@acme.jp');
      expect(lead.status).toBe('UNASSIGNED');
      const opening = zonedToUtc(t.year, t.month, t.day + daysToTuesday + 1, 9 * 60, 'Asia/Tokyo');
      await advance(opening - evening + MIN);
      const assigned = await eventually(async () => {
        const e = (await timeline(lead.id)).find((x) => x.type === 'ASSIGNED');
        return e ?? null;
      }, 'assignment at opening time');
      expect(assigned.rep_id).toBe(reps[0]);
      expect(Math.abs(assigned.at - opening)).toBeLessThan(MIN);
    });
});
