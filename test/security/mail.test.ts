import { startMailCapture, type MailCapture } from '../../src/dev/mailCapture';
import { newOrg, startApi, startWorker, type TestApi, type TestOrg, type TestWorker } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

/**
 * Round 2, finding 7: a tenant set any From and sent, through the operator's SMTP server, "New lead for you:
 * Your password expires today - reset it at http://phish.example/reset" to an outside address. Through the
 * operator's server, a From must be at a domain the operator allows, the envelope sender is the operator's,
 * and what the lead supplied is marked as quoted in subjects.
 */
let api: TestApi;
let worker: TestWorker;
let mail: MailCapture;
const OPERATOR = { MAIL_FROM: 'Routeswit <alerts@routeswit.example>', MAIL_FROM_DOMAINS: 'routeswit.example, acme-sales.example' };

beforeAll(async () => {
  mail = await startMailCapture();
  // A task queue of its own: this worker sends with this file's operator settings, and takes no other file's leads.
  const queue = `mail-${process.pid}`;
  const config = { ...OPERATOR, SMTP_URL: mail.url, RATE_LIMIT_PER_SECOND: '0', TEMPORAL_TASK_QUEUE: queue };
  worker = await startWorker(queue, config);
  api = startApi(config);
});
afterAll(async () => {
  await worker.stop();
  await api.close();
  await mail.close();
});

async function orgWithRep(from?: string): Promise<{ org: TestOrg; repEmail: string }> {
  const org = await newOrg(api.deps.db);
  const repEmail = `rep-${org.orgId}@outside.example`;
  await api.http.post('/v1/reps').set(org.auth).send({ name: 'Rae', email: repEmail, teams: ['sdr'] });
  if (from) expect((await api.http.patch('/v1/organization').set(org.auth).send({ notifications: { email: { from } } })).status).toBe(200);
  const rs = await api.http.post('/v1/rules').set(org.auth).send({ name: 'r', rules: [{ id: 'all', then: { strategy: 'ROUND_ROBIN', team: 'sdr', notify_on_assign: true } }] });
  await api.http.post(`/v1/rules/${rs.body.id}/publish`).set(org.auth);
  return { org, repEmail };
}

describe('the From of mail sent through the operator\'s SMTP server', () => {
  it('must be at a domain the operator allows: another is refused with 422 naming the allowed ones', async () => {
    const org = await newOrg(api.deps.db);
    const res = await api.http.patch('/v1/organization').set(org.auth).send({ notifications: { email: { from: 'IT Support <it@phish.example>' } } });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0]).toMatchObject({ path: 'notifications.email.from', message: expect.stringMatching(/routeswit\.example, acme-sales\.example/) });
    expect((await api.http.patch('/v1/organization').set(org.auth).send({ notifications: { email: { from: 'Acme Sales <routing@ACME-SALES.example>' } } })).status).toBe(200);
  });

  it('may be anything on an SMTP server of the organization\'s own, but not once it goes back to the operator\'s', async () => {
    const org = await newOrg(api.deps.db);
    const own = await api.http.patch('/v1/organization').set(org.auth).send({ notifications: { email: { smtp_url: mail.url, from: 'Us <us@own-domain.example>' } } });
    expect(own.status).toBe(200);
    const back = await api.http.patch('/v1/organization').set(org.auth).send({ notifications: { email: { smtp_url: null } } });
    expect(back.status).toBe(422);
    expect(back.body.error.details[0].path).toBe('notifications.email.from');
  });

  it('goes out with the operator\'s envelope sender, the allowed From, and the lead\'s words quoted in the subject', async () => {
    const { org, repEmail } = await orgWithRep('Acme Sales <routing@acme-sales.example>');
    const phishy = 'Your password expires today - reset it at http://phish.example/reset and keep your account';
    await api.http.post('/v1/leads?wait_ms=10000').set(org.auth).send({ email: 'x@lead.example', first_name: phishy });
    const sent = await waitFor(async () => mail.messages.find((m) => m.to.includes(repEmail)) ?? null, { timeoutMs: 20_000, what: 'the assignment email' });
    expect(sent.from).toBe('alerts@routeswit.example');
    expect(sent.headerFrom).toBe('"Acme Sales" <routing@acme-sales.example>');
    expect(sent.subject).toBe(`New lead for you: “${phishy.slice(0, 60)}…”`);
  });

  it('falls back to the operator\'s From for one stored before the policy', async () => {
    const { org, repEmail } = await orgWithRep();
    await api.deps.db('organizations').where({ id: org.orgId }).update({ mail_from: 'IT <it@phish.example>' });
    await api.http.post('/v1/leads?wait_ms=10000').set(org.auth).send({ email: 'y@lead.example', first_name: 'Yan' });
    const sent = await waitFor(async () => mail.messages.find((m) => m.to.includes(repEmail)) ?? null, { timeoutMs: 20_000, what: 'the assignment email' });
    expect(sent.headerFrom).toBe('"Routeswit" <alerts@routeswit.example>');
    expect(sent.from).toBe('alerts@routeswit.example');
  });
});
