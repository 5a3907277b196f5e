import { startMailCapture, type MailCapture } from '../../src/dev/mailCapture';
import { createOrg } from '../../src/db/orgs';
import { createUserWithLink } from '../../src/services/users';
import { personOf, tokenOf } from '../helpers/people';
import { newOrg, startApi, type TestApi } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

/**
 * Issue 29, the people part end to end through the API: the first owner made as the CLI makes them, an
 * invitation emailed through SMTP (read from the local capture), accepted, and the audit log naming each
 * person for what they changed.
 */
let api: TestApi;
let mail: MailCapture;
beforeAll(async () => {
  mail = await startMailCapture();
  api = startApi({ SMTP_URL: mail.url, MAIL_FROM: 'Routeswit <console@routeswit.test>' });
});
afterAll(async () => {
  await api.close();
  await mail.close();
});

it('the first owner invites a manager by email; each change in the audit log names who made it', async () => {
  const org = await createOrg(api.deps.db, 'People org');
  const ownerEmail = `owner-${process.pid}@people.io`;
  const first = await createUserWithLink(api.deps, org.id, ownerEmail, 'owner', 'Olive Owner');
  expect(first.user).toMatchObject({ role: 'owner', sign_in: 'NONE' });
  const owner = personOf(await api.http.post('/v1/invitations/accept').send({ token: tokenOf(first.acceptUrl), name: 'Olive Owner', password: 'olive owns everything' }));

  const managerEmail = `manager-${process.pid}@people.io`;
  const inv = await api.http.post('/v1/users/invitations').set(owner.write).send({ email: managerEmail, role: 'manager' });
  expect(inv.status).toBe(200);
  expect(inv.body).toMatchObject({ email: managerEmail, role: 'manager', emailed: true });
  const letter = await waitFor(async () => mail.messages.find((m) => m.to.includes(managerEmail)));
  expect(letter.subject).toBe('Your Routeswit invitation');
  const link = /(http\S+\/console\/accept#token=\w+)/.exec(letter.text)![1]!;
  expect(link).toBe(inv.body.accept_url);
  const manager = personOf(await api.http.post('/v1/invitations/accept').send({ token: tokenOf(link), name: 'Max Manager', password: 'max manages the reps' }));

  const rep = await api.http.post('/v1/reps').set(manager.write).send({ name: 'Rita Rep', email: `rita-${process.pid}@people.io` });
  expect(rep.status).toBe(200);
  const settings = await api.http.patch('/v1/organization').set(owner.write).send({ timezone: 'Europe/Berlin' });
  expect(settings.status).toBe(200);
  // A manager may not change the organization's settings.
  expect((await api.http.patch('/v1/organization').set(manager.write).send({ timezone: 'UTC' })).status).toBe(403);

  const audit = (await api.http.get('/v1/audit').set('Cookie', owner.cookie)).body as Array<{ resource_type: string; actor_user_id: string | null; actor_key_id: string | null }>;
  expect(audit.find((e) => e.resource_type === 'rep')).toMatchObject({ actor_user_id: manager.id, actor_key_id: null });
  expect(audit.find((e) => e.resource_type === 'organization')).toMatchObject({ actor_user_id: owner.id });
  expect(audit.find((e) => e.resource_type === 'invitation')).toMatchObject({ actor_user_id: owner.id });
  const byManager = (await api.http.get(`/v1/audit?actor_user_id=${manager.id}`).set('Cookie', owner.cookie)).body;
  expect(byManager.map((e: { resource_type: string }) => e.resource_type)).toEqual(['rep']);

  const people = (await api.http.get('/v1/users').set('Cookie', owner.cookie)).body;
  expect(people.map((u: { email: string; role: string }) => [u.email, u.role]).sort()).toEqual([[managerEmail, 'manager'], [ownerEmail, 'owner']]);
  expect(JSON.stringify(people)).not.toMatch(/argon2|password_hash/);
});

it('refuses to invite an email that is a user of another organization', async () => {
  const a = await createOrg(api.deps.db, 'A');
  const b = await createOrg(api.deps.db, 'B');
  const email = `taken-${process.pid}@people.io`;
  await createUserWithLink(api.deps, a.id, email, 'viewer');
  const owner = await createUserWithLink(api.deps, b.id, `b-owner-${process.pid}@people.io`, 'owner');
  const ownerB = personOf(await api.http.post('/v1/invitations/accept').send({ token: tokenOf(owner.acceptUrl), name: 'B', password: 'b owns b entirely' }));
  const res = await api.http.post('/v1/users/invitations').set(ownerB.write).send({ email, role: 'admin' });
  expect(res.status).toBe(409);
  expect(res.body.error.details).toEqual([{ path: 'email', message: 'already a user elsewhere' }]);
});

it('refuses single sign-on domains that repeat, at the field (conformance finding: they were accepted)', async () => {
  const org = await newOrg(api.deps.db);
  const res = await api.http
    .put('/v1/organization/sso')
    .set(org.auth)
    .send({ issuer: 'https://idp.example.com', client_id: 'x', client_secret: 'a secret', email_domains: ['acme.io', 'acme.io'] });
  expect(res.status).toBe(422);
  expect(res.body.error.details).toEqual([{ path: 'email_domains', message: 'email_domains must not repeat' }]);
});
