import { spawn, type ChildProcess } from 'node:child_process';
import net, { type AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import path from 'node:path';
import readline from 'node:readline';
import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath } from '../helpers/chromium';
import { newOrg, startApi, type TestApi, type TestOrg } from '../helpers/stack';

/**
 * Issue 29: single sign-on with OpenID Connect against a real provider (oidc-provider, started here on
 * loopback), driven in Chromium as a person would: the console sends them to the provider, they sign in and
 * consent, and come back signed in, their account made just in time with the role their groups map to.
 */
let api: TestApi;
let server: Server;
let base: string;
let browser: Browser;
let provider: ChildProcess;
let issuer: string;
let org: TestOrg;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });

beforeAll(async () => {
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  provider = spawn(process.execPath, [path.join(__dirname, '..', 'fakes', 'oidcProvider.mjs')], {
    env: {
      ...process.env,
      CLIENT_ID: 'routeswit',
      CLIENT_SECRET: 'a client secret long enough for the provider',
      REDIRECT_URI: `${base}/v1/sso/callback`,
      ACCOUNTS: JSON.stringify({ 'ann@sso-corp.io': { name: 'Ann Admin', groups: ['staff', 'routeswit-admins'] }, 'bob@sso-corp.io': { name: 'Bob', groups: ['staff'] } }),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Its start-up warnings (development keys and storage, by design here) are noise; anything else is shown.
  readline.createInterface({ input: provider.stderr! }).on('line', (line) => !/oidc-provider WARNING/.test(line) && process.stderr.write(`[oidc-provider] ${line}\n`));
  const first = await new Promise<string>((resolve) => readline.createInterface({ input: provider.stdout! }).once('line', resolve));
  issuer = (JSON.parse(first) as { issuer: string }).issuer;
  api = startApi({ PUBLIC_API_URL: base });
  server = api.app.listen(port, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  browser = await chromium.launch({ executablePath: chromiumPath(), headless: true, args: CHROMIUM_ARGS });
  org = await newOrg(api.deps.db);
  const put = await api.http
    .put('/v1/organization/sso')
    .set(org.auth)
    .send({ issuer, client_id: 'routeswit', client_secret: 'a client secret long enough for the provider', email_domains: ['sso-corp.io'], default_role: 'viewer', role_claim: 'groups', role_map: { 'routeswit-admins': 'admin' } });
  expect(put.status).toBe(200);
  expect(put.body).toMatchObject({ client_secret: '********', redirect_uri: `${base}/v1/sso/callback` });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
  provider?.kill();
  await api?.close();
});

async function signInWithSso(email: string) {
  const page = await browser.newPage();
  await page.goto(`${base}/console`);
  await page.getByLabel('Work email').fill(email);
  await page.getByRole('button', { name: 'Continue with single sign-on' }).click();
  // The provider's own pages: its login form (any password), then consent.
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  return page;
}

it('signs a person in through the provider and makes their account with the role their groups map to', async () => {
  const page = await signInWithSso('ann@sso-corp.io');
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  expect(await page.locator('#who').innerText()).toContain('Ann Admin (ann@sso-corp.io), admin');
  const user = await api.deps.db('users').where({ email: 'ann@sso-corp.io' }).first();
  expect(user).toMatchObject({ org_id: org.orgId, role: 'admin', password_hash: null });
  await page.close();
});

it('gives the default role when the groups map to none', async () => {
  const page = await signInWithSso('bob@sso-corp.io');
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
  expect(await page.locator('#who').innerText()).toContain('bob@sso-corp.io), viewer');
  await page.close();
});

it('says so in the console when no organization signs in that email domain', async () => {
  const page = await browser.newPage();
  await page.goto(`${base}/console`);
  await page.getByLabel('Work email').fill('carl@elsewhere.io');
  await page.getByRole('button', { name: 'Continue with single sign-on' }).click();
  await page.getByRole('alert').filter({ hasText: 'Single sign-on for this email domain not found' }).waitFor();
  await page.close();
});

it('refuses a callback this browser did not start (no state cookie)', async () => {
  const res = await api.http.get('/v1/sso/callback?code=x&state=y');
  expect(res.status).toBe(303);
  expect(decodeURIComponent(res.headers.location)).toMatch(/sso_error=This sign-in was not started in this browser/);
});
