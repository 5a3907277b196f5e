import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { startMailCapture, type MailCapture } from '../../src/dev/mailCapture';
import { freePort } from '../../src/dev/temporalServer';
import { apiSuite, newOrg, startWorker, type TestOrg, type TestWorker } from '../helpers/stack';
import { slackReceiver, slackText } from '../helpers/slackReceiver';
import { waitFor } from '../helpers/wait';

/**
 * Escalations reach people: real SMTP (a capture server in this process) and a Slack-format HTTPS receiver,
 * through the whole stack (API, Temporal, worker, dispatcher, notification workflows).
 */
const suite = apiSuite({ RATE_LIMIT_PER_SECOND: '0' });
let worker: TestWorker;
let mail: MailCapture;
let slack: Awaited<ReturnType<typeof slackReceiver>>;
beforeAll(async () => {
  worker = await startWorker();
  mail = await startMailCapture();
  slack = await slackReceiver();
});
afterAll(async () => {
  await worker.stop();
  await mail.close();
  await slack.close();
});

const stamp = () => `${Date.now()}${Math.random().toString(36).slice(2, 6)}`;

async function rep(org: TestOrg, name: string, extra: Record<string, unknown> = {}): Promise<{ id: string; email: string }> {
  const email = `${name.toLowerCase()}-${stamp()}@notify.test`;
  const res = await suite.api.http.post('/v1/reps').set(org.auth).send({ name, email, ...extra });
  expect(res.status).toBe(200);
  return { id: res.body.id, email };
}

async function publish(org: TestOrg, then: Record<string, unknown>): Promise<void> {
  const rs = await suite.api.http.post('/v1/rules').set(org.auth).send({ name: 'notify', rules: [{ id: 'all', then }] });
  expect(rs.status).toBe(200);
  expect((await suite.api.http.post(`/v1/rules/${rs.body.id}/publish`).set(org.auth)).status).toBe(200);
}

const to = (address: string) => mail.messages.filter((m) => m.to.includes(address));

describe('an SLA with REMIND → NOTIFY_MANAGER → REASSIGN', () => {
  it('emails the rep once, the manager once, the new rep their assignment, and posts one Slack message per step', async () => {
    const { api } = suite;
    const org = await newOrg(api.deps.db);
    const manager = await rep(org, 'Morgan', { notifications: { slack_user_id: 'UMORGAN01' } });
    const team = `n${stamp()}`;
    const a = await rep(org, 'Avery', { teams: [team], manager_id: manager.id, notifications: { slack_user_id: 'UAVERY001' } });
    const b = await rep(org, 'Blake', { teams: [team], manager_id: manager.id, notifications: { slack_user_id: 'UBLAKE001' } });
    const settings = await api.http.patch('/v1/organization').set(org.auth).send({
      timezone: 'Europe/Berlin',
      notifications: { email: { smtp_url: mail.url, from: 'Routing <routing@notify.test>' }, slack: { default_webhook_url: slack.url(`/services/${org.orgId}`) } },
    });
    expect(settings.status).toBe(200);
    expect(settings.body.notifications).toMatchObject({ email: { smtp_url_set: true, from: 'Routing <routing@notify.test>' }, slack: { default_webhook_set: true } });
    expect(JSON.stringify(settings.body)).not.toContain('127.0.0.1');
    await publish(org, {
      strategy: 'ROUND_ROBIN',
      team,
      notify_on_assign: true,
      sla: {
        first_touch_minutes: 0.05,
        escalations: [{ after_minutes: 0, action: 'REMIND' }, { after_minutes: 0.03, action: 'NOTIFY_MANAGER' }, { after_minutes: 0.06, action: 'REASSIGN' }],
        max_reassignments: 1,
      },
    });

    const lead = (await api.http.post('/v1/leads').set(org.auth).send({ email: `jo-${stamp()}@acme.io`, first_name: 'Jo', last_name: 'Lee', company: 'Acme', source: 'webinar' })).body;
    expect(lead.status).toBe('ASSIGNED');
    const [first, second] = lead.assigned_rep_id === a.id ? [a, b] : [b, a];
    const mine = (n: { lead_id: string }) => n.lead_id === lead.id;

    await waitFor(async () => to(second.email).length >= 1 || null, { timeoutMs: 30_000, what: 'the new rep\'s assignment email' });
    await waitFor(async () => slack.posts.filter((p) => p.path.endsWith(org.orgId)).length >= 4 || null, { timeoutMs: 15_000, what: 'four Slack messages' });

    const leadLink = `${api.deps.config.PUBLIC_API_URL}/v1/leads/${lead.id}`;
    expect(to(first.email).map((m) => m.subject)).toEqual(['New lead for you: “Jo Lee (Acme)”', 'Reminder: “Jo Lee” is waiting for your first touch']);
    expect(to(manager.email).map((m) => m.subject)).toEqual([`SLA missed: ${first === a ? 'Avery' : 'Blake'} has not touched “Jo Lee”`]);
    expect(to(second.email).map((m) => m.subject)).toEqual(['New lead for you: “Jo Lee (Acme)”']);
    for (const m of [...to(first.email), ...to(manager.email), ...to(second.email)]) {
      expect(m.from).toBe('routing@notify.test');
      expect(m.text).toContain(leadLink);
      expect(m.text).toContain(`/workflows/lead-${lead.id}`);
      expect(m.html).toContain(`href="${leadLink}"`);
    }
    const reminder = to(first.email)[1]!;
    expect(reminder.text).toMatch(/first touch was due \d+ \w+ \d{4}, \d\d:\d\d \(Europe\/Berlin\)/);
    expect(reminder.text).toMatch(/What happens next: if nobody touches the lead by .*manager is told/);

    const posts = slack.posts.filter((p) => p.path.endsWith(org.orgId)).map(slackText);
    expect(posts).toHaveLength(4);
    const [firstId, secondId] = first === a ? ['UAVERY001', 'UBLAKE001'] : ['UBLAKE001', 'UAVERY001'];
    expect(posts[0]).toMatch(new RegExp(`New lead[\\s\\S]*<@${firstId}>`));
    expect(posts[1]).toMatch(new RegExp(`Reminder[\\s\\S]*<@${firstId}>`));
    expect(posts[2]).toMatch(/SLA missed[\s\S]*<@UMORGAN01>/);
    expect(posts[3]).toMatch(new RegExp(`New lead[\\s\\S]*<@${secondId}>`));
    for (const p of posts) expect(p).toContain(leadLink);

    // A message reaches the receiver a moment before its row says SENT (the send, then the record): wait for the record.
    const log = await waitFor(
      async () => {
        const all = (await api.http.get(`/v1/notifications?lead_id=${lead.id}`).set(org.auth)).body;
        return all.filter(mine).length >= 8 && all.every((n: { status: string }) => n.status !== 'PENDING') ? all : null;
      },
      { timeoutMs: 15_000, what: 'the eight notifications recorded' },
    );
    expect(log.filter(mine)).toHaveLength(8);
    expect(new Set(log.map((n: { status: string }) => n.status))).toEqual(new Set(['SENT']));
    const timeline = (await api.http.get(`/v1/leads/${lead.id}`).set(org.auth)).body.timeline;
    const notified = timeline.filter((e: { type: string }) => e.type === 'NOTIFIED');
    expect(notified).toHaveLength(8);
    expect(notified.map((e: { data: { kind: string; channel: string } }) => `${e.data.kind}/${e.data.channel}`).sort()).toEqual(
      ['ASSIGNED/EMAIL', 'ASSIGNED/EMAIL', 'ASSIGNED/SLACK', 'ASSIGNED/SLACK', 'ESCALATION/EMAIL', 'ESCALATION/SLACK', 'REMINDER/EMAIL', 'REMINDER/SLACK'],
    );
    const detail = (await api.http.get(`/v1/notifications/${log.find((n: { kind: string; channel: string }) => n.kind === 'REMINDER' && n.channel === 'EMAIL').id}`).set(org.auth)).body;
    expect(detail.body_html).toContain('<html>');
    expect(detail.body_text).toContain('Hi ');
  }, 60_000);
});

describe('when the SMTP server is down', () => {
  it('retries a reminder without delaying the SLA steps, and delivers it once the server is back', async () => {
    const { api } = suite;
    const org = await newOrg(api.deps.db);
    const port = await freePort();
    const team = `d${stamp()}`;
    const x = await rep(org, 'Dana', { teams: [team] });
    await rep(org, 'Eli', { teams: [team] });
    await api.http.patch('/v1/organization').set(org.auth).send({ notifications: { email: { smtp_url: `smtp://127.0.0.1:${port}` } } });
    await publish(org, { strategy: 'ROUND_ROBIN', team, rep_ids: undefined, sla: { first_touch_minutes: 0.05, escalations: [{ after_minutes: 0, action: 'REMIND' }, { after_minutes: 0.02, action: 'REASSIGN' }], max_reassignments: 1 } });
    const lead = (await api.http.post('/v1/leads').set(org.auth).send({ email: `down-${stamp()}@acme.io`, first_name: 'Sam' })).body;
    const holder = lead.assigned_rep_id as string;
    const due = Date.parse(lead.sla_due_at);

    const failing = await waitFor(async () => {
      const [n] = (await api.http.get(`/v1/notifications?lead_id=${lead.id}`).set(org.auth)).body.filter((r: { kind: string }) => r.kind === 'REMINDER');
      return n?.attempts >= 1 ? n : null;
    }, { timeoutMs: 20_000, what: 'a failed attempt' });
    expect(failing).toMatchObject({ status: 'PENDING', last_error: 'connection refused', recipient_rep_id: holder });
    // The SLA went on meanwhile: reminded at the deadline, reassigned 1.2 s later, whatever the mail server does.
    const timeline = await waitFor(async () => {
      const t = (await api.http.get(`/v1/leads/${lead.id}`).set(org.auth)).body.timeline as Array<{ type: string; occurred_at: string }>;
      return t.some((e) => e.type === 'REASSIGNED') ? t : null;
    }, { timeoutMs: 20_000, what: 'the reassignment' });
    const at = (type: string) => Date.parse(timeline.find((e) => e.type === type)!.occurred_at);
    expect(at('REMINDED') - due).toBeLessThan(2000);
    expect(at('REASSIGNED') - due).toBeLessThan(4000);

    const server = await startMailCapture({ port });
    try {
      const sent = await waitFor(async () => {
        const [n] = (await api.http.get(`/v1/notifications?lead_id=${lead.id}`).set(org.auth)).body.filter((r: { kind: string }) => r.kind === 'REMINDER');
        return n?.status === 'SENT' ? n : null;
      }, { timeoutMs: 20_000, what: 'the reminder to be delivered' });
      expect(sent.attempts).toBeGreaterThanOrEqual(2);
      expect(server.messages.map((m) => m.to)).toEqual([[x.id === holder ? x.email : expect.any(String)]]);
    } finally {
      await server.close();
    }
  }, 60_000);

  it('after the last attempt marks it FAILED, raises an alert and shows the attempts', async () => {
    const { api } = suite;
    const org = await newOrg(api.deps.db);
    const closed = await freePort();
    const team = `f${stamp()}`;
    await rep(org, 'Fran', { teams: [team] });
    await api.http.patch('/v1/organization').set(org.auth).send({ notifications: { email: { smtp_url: `smtp://127.0.0.1:${closed}` } } });
    await publish(org, { strategy: 'ROUND_ROBIN', team, sla: { first_touch_minutes: 0.02, escalations: [{ after_minutes: 0, action: 'REMIND' }] } });
    const lead = (await api.http.post('/v1/leads').set(org.auth).send({ email: `fail-${stamp()}@acme.io` })).body;
    const failed = await waitFor(async () => {
      const [n] = (await api.http.get(`/v1/notifications?lead_id=${lead.id}&status=FAILED`).set(org.auth)).body;
      return n ?? null;
    }, { timeoutMs: 30_000, what: 'the notification to fail for good' });
    expect(failed).toMatchObject({ kind: 'REMINDER', channel: 'EMAIL', attempts: 4, last_error: 'connection refused' });
    const alerts = (await api.http.get('/v1/intelligence/alerts').set(org.auth)).body;
    expect(alerts).toEqual([expect.objectContaining({ kind: 'NOTIFICATION_FAILED', message: expect.stringContaining('after 4 attempt(s): connection refused') })]);
    const notified = (await api.http.get(`/v1/leads/${lead.id}`).set(org.auth)).body.timeline.filter((e: { type: string }) => e.type === 'NOTIFIED');
    expect(notified).toEqual([expect.objectContaining({ data: expect.objectContaining({ status: 'FAILED', attempts: 4, error: 'connection refused' }) })]);
  }, 60_000);
});

describe('webhook subscribers', () => {
  it('hear lead.reminded and lead.escalated with the rep, the manager and the missed deadline', async () => {
    const { api } = suite;
    const org = await newOrg(api.deps.db);
    const received: Array<{ type: string; data: Record<string, unknown> }> = [];
    const server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.end('ok');
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
      expect((await api.http.post('/v1/webhooks').set(org.auth).send({ url, events: ['lead.reminded', 'lead.escalated'] })).status).toBe(200);
      const boss = await rep(org, 'Hale');
      const team = `w${stamp()}`;
      const r = await rep(org, 'Ira', { teams: [team], manager_id: boss.id });
      await publish(org, { strategy: 'ROUND_ROBIN', team, sla: { first_touch_minutes: 0.02, escalations: [{ after_minutes: 0, action: 'REMIND' }, { after_minutes: 0.01, action: 'NOTIFY_MANAGER' }] } });
      const lead = (await api.http.post('/v1/leads').set(org.auth).send({ email: `hooked-${stamp()}@acme.io` })).body;
      await waitFor(async () => received.length >= 2 || null, { timeoutMs: 20_000, what: 'both events' });
      expect(received.map((e) => e.type).sort()).toEqual(['lead.escalated', 'lead.reminded']);
      for (const e of received) expect(e.data).toMatchObject({ lead_id: lead.id, rep_id: r.id, sla_due_at: lead.sla_due_at });
      expect(received.find((e) => e.type === 'lead.escalated')!.data.manager_id).toBe(boss.id);
    } finally {
      await new Promise((done) => server.close(done));
    }
  }, 30_000);
});

describe('recipients without an address', () => {
  it('are reported on the timeline and in the log, not skipped in silence', async () => {
    const { api } = suite;
    const org = await newOrg(api.deps.db);
    const team = `s${stamp()}`;
    await rep(org, 'Gale', { teams: [team] });
    await api.http.patch('/v1/organization').set(org.auth).send({ notifications: { email: { smtp_url: mail.url } } });
    await publish(org, { strategy: 'ROUND_ROBIN', team, sla: { first_touch_minutes: 0.02, escalations: [{ after_minutes: 0, action: 'NOTIFY_MANAGER' }] } });
    const lead = (await api.http.post('/v1/leads').set(org.auth).send({ email: `nobody-${stamp()}@acme.io` })).body;
    const skipped = await waitFor(async () => (await api.http.get(`/v1/notifications?lead_id=${lead.id}`).set(org.auth)).body[0] ?? null, { timeoutMs: 20_000, what: 'the escalation' });
    expect(skipped).toMatchObject({ kind: 'ESCALATION', status: 'SKIPPED', recipient: '', last_error: 'the rep has no manager and the organization has no escalation contacts' });
    const timeline = (await api.http.get(`/v1/leads/${lead.id}`).set(org.auth)).body.timeline;
    expect(timeline.find((e: { type: string }) => e.type === 'NOTIFIED').data).toMatchObject({ status: 'SKIPPED', kind: 'ESCALATION' });
  }, 30_000);
});

describe('organization settings', () => {
  it('refuse bad values with 422 at the field, and keep secrets write-only', async () => {
    const { api } = suite;
    const org = await newOrg(api.deps.db);
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ notifications: { email: { smtp_url: 'http://mail.example.com' } } }, 'notifications.email.smtp_url'],
      [{ notifications: { email: { smtp_url: 'not a url' } } }, 'notifications.email.smtp_url'],
      [{ notifications: { slack: { default_webhook_url: 'http://hooks.slack.com/services/x' } } }, 'notifications.slack.default_webhook_url'],
      [{ notifications: { slack: { team_webhook_urls: { sdr: 'ftp://x' } } } }, 'notifications.slack.team_webhook_urls.sdr'],
      [{ notifications: { slack: { default_webhook_url: 'https://10.1.2.3/hook' } } }, 'notifications.slack.default_webhook_url'],
      [{ escalation_contacts: ['rep_0mx1aaaaaaaaaaaaaaaaaaaa'] }, 'escalation_contacts[0]'],
      [{ timezone: 'Mars/Olympus' }, 'timezone'],
    ];
    for (const [body, path] of cases) {
      const res = await api.http.patch('/v1/organization').set(org.auth).send(body);
      expect({ body: JSON.stringify(body), status: res.status, paths: res.body.error?.details?.map((d: { path: string }) => d.path) }).toEqual({ body: JSON.stringify(body), status: 422, paths: expect.arrayContaining([path]) });
    }
    const ok = await api.http.patch('/v1/organization').set(org.auth).send({ notifications: { slack: { team_webhook_urls: { sdr: slack.url('/team/sdr') } } } });
    expect(ok.body.notifications.slack).toEqual({ default_webhook_set: false, team_webhooks: ['sdr'] });
    const stored = await api.deps.db('organizations').where({ id: org.orgId }).first();
    expect(JSON.stringify(stored.team_slack_webhook_urls)).toMatch(/enc:v1:/);
    const readOnly = (await api.http.get('/v1/organization').set(org.auth)).body;
    expect(JSON.stringify(readOnly)).not.toContain('/team/sdr');
  });
});
