import { allRoutes } from '../../src/api/app';
import { openApiPath } from '../../src/api/route';
import { cookieOf, emailFor, personOf, personWithRole, tokenOf } from '../helpers/people';
import { apiSuite, newOrg } from '../helpers/stack';

/**
 * Issue 29: people sign in to the console. Sessions are server side (sign-out and role changes act on the
 * next request), cookies are HttpOnly, Secure and SameSite, changes need the CSRF token, wrong passwords
 * lock the account, sessions end when idle and at their absolute end, and a viewer can change nothing.
 */
const suite = apiSuite({ SESSION_IDLE_MINUTES: '5', SIGN_IN_MAX_FAILURES: '3' });
const http = () => suite.api.http;
const db = () => suite.api.deps.db;

it('signs in with email and password: an HttpOnly, Secure, SameSite cookie, and the session names the person and their CSRF token', async () => {
  const admin = await personWithRole(suite.api, suite.org, 'admin');
  const res = await http().post('/v1/session').send({ email: admin.email.toUpperCase(), password: admin.password });
  expect(res.status).toBe(200);
  const set = (res.headers['set-cookie'] as unknown as string[]).find((c) => c.startsWith('routeswit_session='))!;
  expect(set).toMatch(/; HttpOnly/);
  expect(set).toMatch(/; Secure/);
  expect(set).toMatch(/; SameSite=Lax/);
  expect(res.body).toMatchObject({ user: { email: admin.email, role: 'admin', sign_in: 'PASSWORD' }, organization_id: suite.org.orgId });
  expect(res.body.scopes).toContain('rules:write');
  expect(res.body.scopes).not.toContain('keys:write');
  const me = await http().get('/v1/session').set('Cookie', cookieOf(res));
  expect(me.body.user.id).toBe(admin.id);
  // The database holds the token's hash, never the token.
  const token = cookieOf(res).split('=')[1]!;
  expect(JSON.stringify(await db()('sessions').select('*'))).not.toContain(token);
});

it('says the same for an unknown email and a wrong password', async () => {
  const p = await personWithRole(suite.api, suite.org, 'viewer');
  const unknown = await http().post('/v1/session').send({ email: 'nobody@people.io', password: 'whatever it is' });
  const wrong = await http().post('/v1/session').send({ email: p.email, password: 'not the password' });
  expect([unknown.status, wrong.status]).toEqual([401, 401]);
  expect(unknown.body.error.message).toBe(wrong.body.error.message);
  expect(unknown.headers['set-cookie']).toBeUndefined();
});

it('refuses a change without the CSRF token (403), and makes it with the token', async () => {
  const manager = await personWithRole(suite.api, suite.org, 'manager');
  const rep = { name: 'Csrf Rep', email: emailFor('rep') };
  const without = await http().post('/v1/reps').set('Cookie', manager.cookie).send(rep);
  expect(without.status).toBe(403);
  expect(without.body.error.message).toMatch(/X-CSRF-Token/);
  const wrong = await http().post('/v1/reps').set({ Cookie: manager.cookie, 'X-CSRF-Token': 'x'.repeat(43) }).send(rep);
  expect(wrong.status).toBe(403);
  expect(await db()('reps').where({ org_id: suite.org.orgId, email: rep.email }).first()).toBeUndefined();
  const made = await http().post('/v1/reps').set(manager.write).send(rep);
  expect(made.status).toBe(200);
  // Reading needs no token.
  expect((await http().get(`/v1/reps/${made.body.id}`).set('Cookie', manager.cookie)).status).toBe(200);
});

it('locks the account after repeated wrong passwords, even against the right one, and says until when', async () => {
  const p = await personWithRole(suite.api, suite.org, 'viewer');
  for (let i = 0; i < 2; i++) expect((await http().post('/v1/session').send({ email: p.email, password: `wrong ${i}` })).status).toBe(401);
  const third = await http().post('/v1/session').send({ email: p.email, password: 'wrong 3' });
  expect(third.status).toBe(429);
  expect(third.body.error.message).toMatch(/locked until/);
  expect(Number(third.headers['retry-after'])).toBeGreaterThan(800);
  const right = await http().post('/v1/session').send({ email: p.email, password: p.password });
  expect(right.status).toBe(429);
  expect(right.headers['set-cookie']).toBeUndefined();
  // The lock ends: the right password signs in and the count starts over.
  await db()('users').where({ id: p.id }).update({ locked_until: new Date(Date.now() - 1000) });
  expect((await http().post('/v1/session').send({ email: p.email, password: p.password })).status).toBe(200);
  expect((await db()('users').where({ id: p.id }).first()).failed_sign_ins).toBe(0);
});

it('ends the session on sign-out: the same cookie is refused at once', async () => {
  const p = await personWithRole(suite.api, suite.org, 'viewer');
  expect((await http().delete('/v1/session').set('Cookie', p.cookie)).status).toBe(403);
  const out = await http().delete('/v1/session').set(p.write);
  expect(out.status).toBe(200);
  expect(String(out.headers['set-cookie'])).toMatch(/routeswit_session=; .*Max-Age=0/);
  const after = await http().get('/v1/reps').set('Cookie', p.cookie);
  expect(after.status).toBe(401);
  expect(after.body.error.message).toMatch(/session has ended/);
});

it('ends a session idle longer than SESSION_IDLE_MINUTES, and any session at its absolute end', async () => {
  const idle = await personWithRole(suite.api, suite.org, 'viewer');
  await db()('sessions').where({ user_id: idle.id }).update({ last_seen_at: new Date(Date.now() - 6 * 60_000) });
  expect((await http().get('/v1/reps').set('Cookie', idle.cookie)).status).toBe(401);
  const old = await personWithRole(suite.api, suite.org, 'viewer');
  expect((await http().get('/v1/reps').set('Cookie', old.cookie)).status).toBe(200);
  await db()('sessions').where({ user_id: old.id }).update({ expires_at: new Date(Date.now() - 1000) });
  expect((await http().get('/v1/reps').set('Cookie', old.cookie)).status).toBe(401);
});

it('a role change takes effect at once: the demoted manager is signed out, and as a viewer can no longer write', async () => {
  const owner = await personWithRole(suite.api, suite.org, 'owner');
  const manager = await personWithRole(suite.api, suite.org, 'manager');
  expect((await http().post('/v1/reps').set(manager.write).send({ name: 'Before', email: emailFor('rep') })).status).toBe(200);
  expect((await http().patch(`/v1/users/${manager.id}`).set(owner.write).send({ role: 'viewer' })).status).toBe(200);
  expect((await http().get('/v1/reps').set('Cookie', manager.cookie)).status).toBe(401);
  const again = personOf(await http().post('/v1/session').send({ email: manager.email, password: manager.password }));
  const refused = await http().post('/v1/reps').set(again.write).send({ name: 'After', email: emailFor('rep') });
  expect(refused.status).toBe(403);
  expect(refused.body.error.message).toMatch(/Your role does not allow this \(it needs reps:write\)/);
});

it("a manager sees their own teams' intelligence, not another team's nor the whole organization's", async () => {
  const owner = await personWithRole(suite.api, suite.org, 'owner');
  const manager = await personWithRole(suite.api, suite.org, 'manager');
  const summary = (team?: string) => http().get(`/v1/intelligence/summary${team ? `?team=${team}` : ''}`).set('Cookie', manager.cookie);
  // Without teams, nothing: an owner gives managers their teams.
  const none = await summary();
  expect({ status: none.status, message: none.body.error.message }).toEqual({ status: 403, message: expect.stringMatching(/You manage no team yet/) });

  const reps = await Promise.all(['emea', 'amer'].map((team) => http().post('/v1/reps').set(suite.org.auth).send({ name: `Rep ${team}`, email: emailFor(team), teams: [team] })));
  const set = await http().patch(`/v1/users/${manager.id}`).set(owner.write).send({ teams: ['emea'] });
  expect({ status: set.status, teams: set.body.teams }).toEqual({ status: 200, teams: ['emea'] });
  // One team: theirs by default, and only its reps.
  const mine = await summary();
  expect(mine.status).toBe(200);
  expect(mine.body.reps.map((r: { rep_id: string }) => r.rep_id)).toEqual([reps[0]!.body.id]);
  expect((await summary('emea')).status).toBe(200);
  const other = await summary('amer');
  expect({ status: other.status, message: other.body.error.message }).toEqual({ status: 403, message: "Managers see their own teams' figures: ask for team=emea" });
  expect((await http().get('/v1/intelligence/timeseries?metric=received&team=amer').set('Cookie', manager.cookie)).status).toBe(403);
  // An admin and a key see every team, as before.
  expect((await http().get('/v1/intelligence/summary?team=amer').set(suite.org.auth)).status).toBe(200);
  // Teams are a manager's: refused when not team names.
  expect((await http().patch(`/v1/users/${manager.id}`).set(owner.write).send({ teams: ['no spaces'] })).status).toBe(422);
});

it('keeps an active owner: the last one can be neither demoted nor deactivated', async () => {
  const org = await newOrg(db());
  const owner = await personWithRole(suite.api, org, 'owner');
  const demote = await http().patch(`/v1/users/${owner.id}`).set(owner.write).send({ role: 'admin' });
  expect(demote.status).toBe(409);
  expect(demote.body.error.message).toMatch(/no active owner/);
  expect((await http().delete(`/v1/users/${owner.id}`).set(owner.write)).status).toBe(409);
});

it('a viewer reaches no write: every route that changes something answers 403', async () => {
  const viewer = await personWithRole(suite.api, suite.org, 'viewer');
  // POST /v1/rules/simulate and the like read (rules:read): a viewer may.
  const writes = allRoutes().filter((r) => !r.scope.endsWith(':read'));
  expect(writes.length).toBeGreaterThan(30);
  const answers: string[] = [];
  for (const r of writes) {
    const path = openApiPath(r.path).replace(/\{(\w+)\}/g, (_m, name: string) => (name === 'domain' ? 'acme.io' : name === 'name' ? 'some-list' : 'rep_0mijkl000abcdefghijklm'));
    const res = await http()[r.method](path).set(viewer.write).send({});
    if (res.status !== 403) answers.push(`${r.method.toUpperCase()} ${r.path}: ${res.status}`);
  }
  expect(answers).toEqual([]);
});

it('an invitation link works once and not after it expires', async () => {
  const inv = await http().post('/v1/users/invitations').set(suite.org.auth).send({ email: emailFor('late'), role: 'viewer' });
  const token = tokenOf(inv.body.accept_url);
  const body = { token, name: 'Late', password: 'long enough password' };
  await db()('invitations').where({ id: inv.body.id }).update({ expires_at: new Date(Date.now() - 1000) });
  const expired = await http().post('/v1/invitations/accept').send(body);
  expect(expired.status).toBe(404);
  expect(expired.body.error.message).toMatch(/unknown, already used or expired/);
  await db()('invitations').where({ id: inv.body.id }).update({ expires_at: new Date(Date.now() + 60_000) });
  expect((await http().post('/v1/invitations/accept').send(body)).status).toBe(200);
  expect((await http().post('/v1/invitations/accept').send(body)).status).toBe(404);
});

it('refuses a password shorter than 12 characters at the field', async () => {
  const inv = await http().post('/v1/users/invitations').set(suite.org.auth).send({ email: emailFor('short'), role: 'viewer' });
  const res = await http().post('/v1/invitations/accept').send({ token: tokenOf(inv.body.accept_url), name: 'Short', password: 'short' });
  expect(res.status).toBe(422);
  expect(res.body.error.details).toEqual([{ path: 'password', message: 'at least 12 characters' }]);
});

it('API keys work exactly as before, beside a session cookie', async () => {
  const viewer = await personWithRole(suite.api, suite.org, 'viewer');
  // With both, the key decides (a key's owner is not the person whose browser holds a cookie).
  const res = await http().post('/v1/reps').set({ ...suite.org.auth, Cookie: viewer.cookie }).send({ name: 'By key', email: emailFor('rep') });
  expect(res.status).toBe(200);
});

it('a reroute job started by a person names that person, not their session as a key', async () => {
  const manager = await personWithRole(suite.api, suite.org, 'manager');
  const res = await http().post('/v1/leads/reroute').set(manager.write).send({ rule_id: 'no-such-rule' });
  expect(res.status).toBe(200);
  const row = await db()('reroute_jobs').where({ id: res.body.id }).first();
  expect(row).toMatchObject({ actor_user_id: manager.id, actor_key_id: null });
});
