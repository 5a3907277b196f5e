import { mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type Page } from 'playwright-core';
import { CHROMIUM_ARGS, chromiumPath } from '../helpers/chromium';
import { newOrg, startApi, startWorker, type TestApi, type TestOrg, type TestWorker } from '../helpers/stack';
import { waitFor } from '../helpers/wait';
import { createUserWithLink } from '../../src/services/users';

const ARTIFACTS = path.join(__dirname, '..', 'artifacts');

let api: TestApi;
let worker: TestWorker;
let server: Server;
let base: string;
let browser: Browser;
let org: TestOrg;
let repId: string;
let leadIds: string[];
let offsite: string[];

beforeAll(async () => {
  mkdirSync(ARTIFACTS, { recursive: true });
  const executablePath = chromiumPath();
  api = startApi();
  worker = await startWorker();
  server = api.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });

  // An organization with routed leads and an open alert, made through the API like a user would.
  org = await newOrg(api.deps.db);
  repId = (await api.http.post('/v1/reps').set(org.auth).send({ name: 'Grace Hopper', email: 'grace@playground.io', teams: ['sdr'] })).body.id;
  const rs = await api.http.post('/v1/rules').set(org.auth).send({ name: 'r', rules: [{ id: 'everyone', then: { strategy: 'ROUND_ROBIN', team: 'sdr', sla: { first_touch_minutes: 30 } } }] });
  await api.http.post(`/v1/rules/${rs.body.id}/publish`).set(org.auth);
  leadIds = [];
  for (let i = 0; i < 3; i++) {
    const lead = await api.http.post('/v1/leads').set(org.auth).send({ email: `buyer${i}@acme.io`, company: 'Acme' });
    expect(lead.body.status).toBe('ASSIGNED');
    leadIds.push(lead.body.id);
  }
  const monitor = await api.http
    .post('/v1/intelligence/sla-monitors')
    .set(org.auth)
    .send({ kind: 'REP_OPEN_UNTOUCHED', name: 'Grace is swamped', params: { rep_id: repId, max: 2 } });
  await api.deps.temporal.client.schedule.getHandle(monitor.body.schedule_id).trigger();
  await waitFor(async () => (await api.http.get('/v1/intelligence/alerts?open=true').set(org.auth)).body.length > 0, { what: 'the alert' });
  await api.http.delete(`/v1/intelligence/sla-monitors/${monitor.body.id}`).set(org.auth);
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
  await worker?.stop();
  await api?.close();
});

/** A page that may only talk to this server: any other request (a CDN, say) is recorded and refused. */
async function openPage(): Promise<{ page: Page; errors: string[] }> {
  offsite = [];
  const errors: string[] = [];
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  await page.route('**/*', (route) => {
    const url = route.request().url();
    if (url.startsWith(base) || url.startsWith('data:')) return route.continue();
    offsite.push(url);
    return route.abort();
  });
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => msg.type() === 'error' && errors.push(msg.text()));
  return { page, errors };
}

describe('API Playground at /docs', () => {
  it('renders the OpenAPI document offline and sends GET /v1/reps with the pasted key', async () => {
    const { page, errors } = await openPage();
    await page.goto(`${base}/docs`);
    await page.getByRole('heading', { name: /Routeswit API/ }).waitFor();

    await page.locator('.scheme-container button.authorize').click();
    // The dialog also lists hubspotSignature (HubSpot's webhook signs its requests): the key goes in bearer's form.
    const bearer = page.locator('.modal-ux form', { has: page.locator('#auth-bearer-value') });
    await bearer.locator('#auth-bearer-value').fill(org.key);
    await bearer.locator('button.modal-btn.authorize').click();
    await page.locator('.modal-ux button.btn-done').first().click();

    const op = page.locator('.opblock-get', { has: page.locator('[data-path="/v1/reps"]') }).first();
    await op.locator('.opblock-summary').click();
    await op.getByRole('button', { name: 'Execute' }).click();
    const live = op.locator('.live-responses-table .response');
    await live.waitFor();
    expect(await live.locator('.response-col_status').innerText()).toContain('200');
    const body = await live.locator('.response-col_description pre').first().innerText();
    expect(JSON.parse(body)).toEqual([expect.objectContaining({ id: repId, email: 'grace@playground.io' })]);
    // The request Swagger UI shows is the one it sent: with the key as a bearer token.
    expect(await op.locator('.curl-command').innerText()).toContain(`Authorization: Bearer ${org.key}`);

    await page.screenshot({ path: path.join(ARTIFACTS, 'docs.png'), fullPage: false });
    expect(offsite).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('Dashboard at /dashboard', () => {
  it('refuses a wrong key with the API error', async () => {
    const { page } = await openPage();
    await page.goto(`${base}/dashboard`);
    await page.locator('#key').fill('sk_live_not_a_real_key_000000000000');
    await page.locator('#load').click();
    await page.locator('#status.error').waitFor();
    expect(await page.locator('#status').innerText()).toMatch(/^401 UNAUTHORIZED: /);
    expect(await page.locator('#board').isHidden()).toBe(true);
    await page.close();
  });

  it('shows the summary, charts, the open alert and links to each lead in the Temporal Web UI', async () => {
    const { page, errors } = await openPage();
    await page.goto(`${base}/dashboard`);
    await page.locator('#key').fill(org.key);
    await page.locator('#load').click();
    await page.locator('#status', { hasText: 'Updated' }).waitFor();

    const tile = (label: string) => page.locator(`.tile[data-metric="${label}"] .value`).innerText();
    expect(await tile('Received')).toBe('3');
    expect(await tile('Assigned')).toBe('3');
    expect(await tile('Unassigned')).toBe('0');

    const chart = (id: string) =>
      page.evaluate((canvas) => {
        const c = (globalThis as unknown as { Chart: { getChart(id: string): { data: { labels: unknown[]; datasets: Array<{ label?: string; data: unknown[] }> } } | undefined } }).Chart.getChart(canvas);
        return c ? { labels: c.data.labels, datasets: c.data.datasets.map((d) => ({ label: d.label, data: d.data })) } : null;
      }, id);
    const volume = await chart('volume');
    const received = volume!.datasets.find((d) => d.label === 'received')!.data as number[];
    expect(received.reduce((a, b) => a + b, 0)).toBe(3);
    expect(await chart('reps')).toMatchObject({ labels: ['Grace Hopper'], datasets: expect.arrayContaining([{ label: 'assigned', data: [3] }]) });
    expect(await chart('rules')).toMatchObject({ labels: ['everyone'], datasets: [{ data: [3] }] });

    const alerts = page.locator('#alerts tbody tr');
    expect(await alerts.count()).toBe(1);
    expect(await alerts.first().innerText()).toContain('Grace is swamped');

    const links = page.locator('#leads tbody a');
    expect(await links.count()).toBe(3);
    const hrefs = await links.evaluateAll((as) => as.map((a) => a.getAttribute("href")));
    for (const id of leadIds) expect(hrefs).toContainEqual(expect.stringMatching(new RegExp(`/namespaces/[^/]+/workflows/lead-${id}$`)));

    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard.png'), fullPage: true });
    expect(offsite).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('backtests a draft on the window: the summary, the per-rep chart and every lead that would move', async () => {
    // Ada joins after the window's leads arrived: replayed faithfully, the AE rule finds nobody for them.
    await api.http.post('/v1/reps').set(org.auth).send({ name: 'Ada Lovelace', email: 'ada@playground.io', teams: ['ae'] });
    const draft = await api.http.post('/v1/rules').set(org.auth).send({ name: 'Acme to AEs', rules: [{ id: 'acme', when: { field: 'company', op: 'eq', value: 'Acme' }, then: { strategy: 'ROUND_ROBIN', team: 'ae' } }] });
    const { page, errors } = await openPage();
    await page.goto(`${base}/dashboard`);
    await page.locator('#key').fill(org.key);
    await page.locator('#load').click();
    await page.locator('#status', { hasText: 'Updated' }).waitFor();
    await page.locator('#bt-ruleset').selectOption(draft.body.id);
    await page.locator('#bt-run').click();
    await page.locator('#bt-summary', { hasText: 'would move' }).waitFor();
    expect(await page.locator('#bt-summary').innerText()).toMatch(/^3 of 3 leads would move; sdr load -100%; 3 would wait unassigned/);
    const chart = await page.evaluate(() => {
      const c = (globalThis as unknown as { Chart: { getChart(id: string): { data: { labels: unknown[]; datasets: Array<{ label?: string; data: unknown[] }> } } } }).Chart.getChart('bt-reps');
      return { labels: c.data.labels, datasets: c.data.datasets.map((d) => ({ label: d.label, data: d.data })) };
    });
    expect(chart).toEqual({ labels: ['Grace Hopper'], datasets: [{ label: 'what happened', data: [3] }, { label: 'with this ruleset', data: [0] }] });
    const rows = page.locator('#bt-changes tbody tr');
    expect(await rows.count()).toBe(3);
    expect(await rows.first().innerText()).toMatch(/Grace Hopper\teveryone\tnobody\tacme/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'dashboard-backtest.png'), fullPage: true });
    expect(offsite).toEqual([]);
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('Console sign-in at /console', () => {
  it('sets a password from the invitation link, signs in, reads the dashboard with the session, and signs out', async () => {
    const email = `console-${process.pid}@playground.io`;
    const made = await createUserWithLink(api.deps, org.orgId, email, 'viewer', 'Vera Viewer');
    const link = `${base}${new URL(made.acceptUrl).pathname}${new URL(made.acceptUrl).hash}`;
    const { page, errors } = await openPage();
    await page.goto(link);
    await page.getByLabel('Your name').fill('Vera Viewer');
    await page.getByLabel(/Choose a password/).fill('vera reads everything');
    await page.getByRole('button', { name: 'Set password and sign in' }).click();
    await page.getByRole('heading', { name: 'Overview' }).waitFor();
    expect(await page.locator('#who').innerText()).toContain(`${email}), viewer`);
    // The used token is gone from the address bar.
    expect(page.url()).toBe(`${base}/console`);

    await page.getByRole('link', { name: 'Charts over time on the dashboard' }).click();
    // No key pasted: the dashboard reads with the session cookie.
    await page.locator('#board:not([hidden])').waitFor();
    expect(await page.locator('#key').inputValue()).toBe('');
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-dashboard.png'), fullPage: false });

    await page.goto(`${base}/console`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByLabel('Email', { exact: true }).fill(email);
    await page.getByLabel('Password', { exact: true }).fill('not her password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong email or password' }).waitFor();
    expect(offsite).toEqual([]);
    // The one console error is the refused sign-in's 401, which the page shows in words.
    expect(errors.filter((e) => !/status of 401/.test(e))).toEqual([]);
    await page.close();
  });
});

describe('accessibility (axe-core)', () => {
  /** Serious and critical violations on the page as it stands: each with the rule and the first element. */
  async function violations(page: Page): Promise<string[]> {
    const result = await new AxeBuilder({ page }).analyze();
    return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.nodes[0]?.target.join(' ')}`);
  }

  it('the console sign-in, the invitation page and the dashboard have no serious or critical violations', async () => {
    // axe-core needs a page of an explicit browser context.
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    const page = await context.newPage();
    await page.goto(`${base}/console`);
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    expect(await violations(page)).toEqual([]);
    await page.goto(`${base}/console/accept#token=${'x'.repeat(43)}`);
    await page.getByRole('heading', { name: 'Accept your invitation' }).waitFor();
    expect(await violations(page)).toEqual([]);
    await page.goto(`${base}/dashboard`);
    await page.getByLabel('API key').fill(org.key);
    await page.getByRole('button', { name: 'Load', exact: true }).click();
    await page.locator('#board:not([hidden])').waitFor();
    expect(await violations(page)).toEqual([]);
    await context.close();
  });
});
