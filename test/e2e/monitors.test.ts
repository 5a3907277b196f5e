import { ScheduleNotFoundError } from '@temporalio/client';
import { ensureMaintenanceSchedule, MAINTENANCE_SCHEDULE_ID } from '../../src/temporal/schedules';
import { newOrg, startApi, startWorker, type TestApi, type TestOrg, type TestWorker } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

let api: TestApi;
let worker: TestWorker;
let org: TestOrg;

beforeAll(async () => {
  api = startApi();
  worker = await startWorker();
  org = await newOrg(api.deps.db);
});
afterAll(async () => {
  await worker.stop();
  await api.close();
});

const schedule = (id: string) => api.deps.temporal.client.schedule.getHandle(id);

describe('SLA monitors on Temporal Schedules', () => {
  it('creates, pauses, changes and deletes the schedule with the monitor, and a run evaluates it', async () => {
    const created = await api.http
      .post('/v1/intelligence/sla-monitors')
      .set(org.auth)
      .send({ kind: 'UNASSIGNED_AGE', name: 'No lead waits', params: { minutes: 30 }, interval_minutes: 10 });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ kind: 'UNASSIGNED_AGE', state: 'OK', paused: false, interval_minutes: 10, schedule_id: `monitor-${created.body.id}` });
    const described = await schedule(created.body.schedule_id).describe();
    expect(described.spec.intervals?.[0]?.every).toBe(600_000);
    expect(described.state.paused).toBe(false);
    expect(described.action).toMatchObject({ type: 'startWorkflow', workflowType: 'monitorWorkflow' });

    // What the schedule does at each interval, done now: the monitor is evaluated.
    await schedule(created.body.schedule_id).trigger();
    const evaluated = await waitFor(async () => {
      const m = (await api.http.get(`/v1/intelligence/sla-monitors/${created.body.id}`).set(org.auth)).body;
      return m.last_evaluated_at ? m : null;
    }, { what: 'the triggered evaluation' });
    expect(evaluated).toMatchObject({ state: 'OK', last_value: 0 });

    const paused = await api.http.patch(`/v1/intelligence/sla-monitors/${created.body.id}`).set(org.auth).send({ paused: true, interval_minutes: 15 });
    expect(paused.body).toMatchObject({ paused: true, interval_minutes: 15 });
    const after = await schedule(created.body.schedule_id).describe();
    expect(after.state.paused).toBe(true);
    expect(after.spec.intervals?.[0]?.every).toBe(900_000);

    expect((await api.http.delete(`/v1/intelligence/sla-monitors/${created.body.id}`).set(org.auth)).status).toBe(200);
    await expect(schedule(created.body.schedule_id).describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect((await api.http.get(`/v1/intelligence/sla-monitors/${created.body.id}`).set(org.auth)).status).toBe(404);
  });

  it('raises an alert when a monitor breaches, listed by GET /v1/intelligence/alerts', async () => {
    const o = await newOrg(api.deps.db);
    const rep = await api.http.post('/v1/reps').set(o.auth).send({ name: 'Busy', email: 'busy@mon.io', teams: ['sdr'] });
    const rs = await api.http.post('/v1/rules').set(o.auth).send({ name: 'r', rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr' } }] });
    await api.http.post(`/v1/rules/${rs.body.id}/publish`).set(o.auth);
    for (let i = 0; i < 2; i++) await api.http.post('/v1/leads').set(o.auth).send({ email: `busy${i}@acme.io` });
    const m = await api.http
      .post('/v1/intelligence/sla-monitors')
      .set(o.auth)
      .send({ kind: 'REP_OPEN_UNTOUCHED', name: 'Busy is swamped', params: { rep_id: rep.body.id, max: 1 } });
    await schedule(m.body.schedule_id).trigger();
    const alerts = await waitFor(async () => {
      const a = (await api.http.get('/v1/intelligence/alerts?open=true').set(o.auth)).body;
      return a.length ? a : null;
    }, { what: 'the alert' });
    expect(alerts).toEqual([expect.objectContaining({ monitor_id: m.body.id, kind: 'REP_OPEN_UNTOUCHED', value: 2, threshold: 1, resolved_at: null })]);
    expect(alerts[0].message).toMatch(/Busy is swamped: rep rep_\w+ has 2 open lead\(s\) not yet touched/);
    await api.http.delete(`/v1/intelligence/sla-monitors/${m.body.id}`).set(o.auth);
  });

  it('validates monitor parameters against the kind, with paths', async () => {
    const bad = async (body: object) => (await api.http.post('/v1/intelligence/sla-monitors').set(org.auth).send(body)).body.error;
    expect((await bad({ kind: 'BREACH_RATE', name: 'x', params: { window_minutes: 60, threshold: 1.5 } })).details[0].path).toBe('params.threshold');
    expect((await bad({ kind: 'UNASSIGNED_AGE', name: 'x', params: {} })).details[0].path).toBe('params.minutes');
    expect((await bad({ kind: 'REP_OPEN_UNTOUCHED', name: 'x', params: { rep_id: 'rep_0000000000000000000000', max: 1 } })).details[0].path).toBe('params.rep_id');
    expect((await bad({ kind: 'VIBES', name: 'x', params: {} })).details[0].path).toBe('kind');
  });
});

describe('schedules a person can read, that start when expected', () => {
  it('a new monitor is evaluated at once, then every interval counted from its creation (not from the epoch)', async () => {
    const created = await api.http
      .post('/v1/intelligence/sla-monitors')
      .set(org.auth)
      .send({ kind: 'UNASSIGNED_AGE', name: 'Every 975 minutes', params: { minutes: 30 }, interval_minutes: 975 });
    const evaluated = await waitFor(async () => {
      const m = (await api.http.get(`/v1/intelligence/sla-monitors/${created.body.id}`).set(org.auth)).body;
      return m.last_evaluated_at ? m : null;
    }, { what: 'the first evaluation, without waiting for the interval' });
    expect(evaluated.state).toBe('OK');
    const described = await schedule(created.body.schedule_id).describe();
    const every = 975 * 60_000;
    expect(described.spec.intervals?.[0]).toEqual({ every, offset: Date.parse(created.body.created_at) % every });
    // It names what it is for, and tags what it starts with the organization.
    expect(described.action).toMatchObject({ staticSummary: 'SLA monitor "Every 975 minutes"' });
    expect(described.memo).toMatchObject({ monitor: 'Every 975 minutes', org_id: org.orgId });
    expect(JSON.stringify(described.action)).toContain(org.orgId);
  });

  it('a schedule defined differently by the code is brought up to date on start, not left as it was', async () => {
    await ensureMaintenanceSchedule(api.deps.temporal);
    await schedule(MAINTENANCE_SCHEDULE_ID).update((prev) => ({ ...prev, spec: { intervals: [{ every: '7 hours' }] } }));
    expect((await schedule(MAINTENANCE_SCHEDULE_ID).describe()).spec.intervals?.[0]?.every).toBe(7 * 3_600_000);
    await ensureMaintenanceSchedule(api.deps.temporal);
    expect((await schedule(MAINTENANCE_SCHEDULE_ID).describe()).spec.intervals?.[0]?.every).toBe(3_600_000);
  });
});
