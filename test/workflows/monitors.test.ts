import { Client } from '@temporalio/client';
import { routeswitDataConverter } from '../../src/temporal/codec';
import { testConfig } from '../helpers/stack';
import { createOrg } from '../../src/db/orgs';
import { insertReceivedLead } from '../../src/db/leads';
import { newId } from '../../src/ids';
import { RepCreate } from '../../src/schemas/reps';
import { createRep } from '../../src/services/reps';
import type { digestWorkflow, monitorWorkflow } from '../../src/workflows/monitors';
import { startTimeSkipping, type TimeSkippingStack } from '../helpers/timeSkipping';

/**
 * The monitor workflow is what each run of a monitor's Schedule starts. The time-skipping server has no
 * Schedules, so this runs it the way the schedule would, every five simulated minutes, and checks that an
 * alert is raised exactly once per transition into breach.
 */
let ts: TimeSkippingStack;
// A plain client: awaiting a result through the environment's own client lets the server skip time ahead,
// and here time must move only when the test says so.
let client: Client;
beforeAll(async () => {
  ts = await startTimeSkipping();
  client = new Client({ connection: ts.env.connection, dataConverter: routeswitDataConverter(testConfig().ENCRYPTION_KEYS) });
});
afterAll(() => ts.teardown());

const MIN = 60_000;
let run = 0;
const evaluate = (monitorId: string) =>
  client.workflow.execute<typeof monitorWorkflow>('monitorWorkflow', { taskQueue: ts.temporal.taskQueue, workflowId: `mon-test-${++run}`, args: [{ monitorId }] });

async function waitingLead(orgId: string, i: number): Promise<string> {
  const lead = await insertReceivedLead(ts.db, orgId, { email: `wait${i}@mon.io` }, undefined);
  await ts.db('leads').where({ id: lead!.id }).update({ status: 'UNASSIGNED', unassigned_reason: 'NO_ELIGIBLE_REP', unassigned_since: new Date(await ts.env.currentTimeMs()) });
  return lead!.id;
}

describe('SLA monitor workflow on the time-skipping server', () => {
  it('raises one alert per transition into breach, however often it runs, and resolves it when the breach ends', async () => {
    const org = await createOrg(ts.db, 'monitor test');
    const hook = await ts.db('webhooks').insert({ id: newId('webhook'), org_id: org.id, url: 'http://127.0.0.1:9/x', events: ['alert.raised'], secret: 'whsec_x' }).returning('id');
    const monitorId = newId('monitor');
    await ts.db('sla_monitors').insert({
      id: monitorId,
      org_id: org.id,
      name: 'Nobody waits half an hour',
      kind: 'UNASSIGNED_AGE',
      params: JSON.stringify({ minutes: 30 }),
      interval_minutes: 5,
      schedule_id: `monitor-${monitorId}`,
    });
    const alerts = () => ts.db('alerts').where({ monitor_id: monitorId }).orderBy('raised_at');

    const lead = await waitingLead(org.id, 1);
    const states: string[] = [];
    for (let i = 0; i < 12; i++) {
      // Every five minutes, as the schedule would: the lead has waited 5, 10, … 60 minutes.
      await ts.env.sleep(5 * MIN);
      states.push((await evaluate(monitorId)).state);
    }
    expect(states).toEqual(['OK', 'OK', 'OK', 'OK', 'OK', 'BREACHING', 'BREACHING', 'BREACHING', 'BREACHING', 'BREACHING', 'BREACHING', 'BREACHING']);
    expect(await alerts()).toHaveLength(1);
    expect((await alerts())[0]).toMatchObject({ kind: 'UNASSIGNED_AGE', value: 1, resolved_at: null });
    expect((await alerts())[0].message).toMatch(/1 lead\(s\) UNASSIGNED for more than 30 minutes/);

    // The lead is taken care of: the monitor recovers and the alert is resolved, once.
    await ts.db('leads').where({ id: lead }).update({ status: 'CLOSED', unassigned_since: null });
    await ts.env.sleep(5 * MIN);
    expect((await evaluate(monitorId)).state).toBe('OK');
    await ts.env.sleep(5 * MIN);
    expect((await evaluate(monitorId)).state).toBe('OK');
    expect((await alerts())[0].resolved_at).not.toBeNull();

    // A second breach is a second transition: a second alert.
    await waitingLead(org.id, 2);
    for (let i = 0; i < 8; i++) {
      await ts.env.sleep(5 * MIN);
      await evaluate(monitorId);
    }
    expect(await alerts()).toHaveLength(2);
    const deliveries = await ts.db('webhook_deliveries').where({ webhook_id: hook[0].id, event_type: 'alert.raised' });
    expect(deliveries).toHaveLength(2);
    expect(deliveries.map((d) => d.payload.data.monitor_id)).toEqual([monitorId, monitorId]);
  });

  it('measures a team breach rate and a rep with too many untouched leads', async () => {
    const org = await createOrg(ts.db, 'rate test');
    const rep = await createRep(ts.deps, org.id, RepCreate.parse({ name: 'R', email: 'r@rate.io', teams: ['emea'] }));
    const now = new Date(await ts.env.currentTimeMs());
    for (let i = 0; i < 10; i++) {
      const l = await insertReceivedLead(ts.db, org.id, { email: `r${i}@rate.io` }, undefined);
      await ts.db('leads')
        .where({ id: l!.id })
        .update({
          status: i < 3 ? 'ASSIGNED' : 'CONTACTED',
          team: 'emea',
          assigned_rep_id: rep.id,
          sla: JSON.stringify({ first_touch_minutes: 15 }),
          first_touch_at: i < 3 ? null : now,
          breached_at: i < 3 ? now : null,
        });
    }
    const monitor = async (kind: string, params: object) => {
      const id = newId('monitor');
      await ts.db('sla_monitors').insert({ id, org_id: org.id, name: kind, kind, params: JSON.stringify(params), interval_minutes: 5, schedule_id: `monitor-${id}` });
      return id;
    };
    const rate10 = await monitor('BREACH_RATE', { team: 'emea', window_minutes: 60, threshold: 0.1 });
    const rate50 = await monitor('BREACH_RATE', { team: 'emea', window_minutes: 60, threshold: 0.5 });
    const otherTeam = await monitor('BREACH_RATE', { team: 'amer', window_minutes: 60, threshold: 0.1 });
    const untouched = await monitor('REP_OPEN_UNTOUCHED', { rep_id: rep.id, max: 2 });
    expect(await evaluate(rate10)).toMatchObject({ state: 'BREACHING', value: 0.3 });
    expect(await evaluate(rate50)).toMatchObject({ state: 'OK', value: 0.3 });
    expect(await evaluate(otherTeam)).toMatchObject({ state: 'OK', value: 0 });
    expect(await evaluate(untouched)).toMatchObject({ state: 'BREACHING', value: 3 });
    // An hour later the breaches are outside the window.
    await ts.env.sleep(61 * MIN);
    expect(await evaluate(rate10)).toMatchObject({ state: 'OK', value: 0 });
  });

  it("writes the daily digest of yesterday's breaches once", async () => {
    const org = await createOrg(ts.db, 'digest test');
    const now = await ts.env.currentTimeMs();
    const yesterday = new Date(Math.floor(now / 86_400_000) * 86_400_000 - 12 * 3_600_000);
    const lead = await insertReceivedLead(ts.db, org.id, { email: 'd@digest.io' }, undefined);
    for (const [i, at] of [yesterday, new Date(yesterday.getTime() + 60_000), new Date(now)].entries()) {
      await ts.db('events').insert({ id: newId('event'), org_id: org.id, lead_id: lead!.id, type: 'SLA_BREACHED', step_key: `b${i}`, occurred_at: at });
    }
    const digest = () => client.workflow.execute<typeof digestWorkflow>('digestWorkflow', { taskQueue: ts.temporal.taskQueue, workflowId: `digest-test-${++run}`, args: [{ orgId: org.id }] });
    expect(await digest()).toEqual({ day: yesterday.toISOString().slice(0, 10), breaches: 2 });
    await digest();
    const rows = await ts.db('digests').where({ org_id: org.id });
    expect(rows).toHaveLength(1);
    expect(rows[0].items).toHaveLength(2);
  });
});
