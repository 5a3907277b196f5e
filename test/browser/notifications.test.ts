import fs from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { startMailCapture, type MailCapture } from '../../src/dev/mailCapture';
import { CHROMIUM_ARGS, chromiumPath } from '../helpers/chromium';
import { newOrg, startApi, startWorker, type TestApi, type TestWorker } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

/** A reminder as a rep receives it, and the dashboard's Notifications panel, in a real browser. */
const ARTIFACTS = path.join(__dirname, '..', 'artifacts');
let api: TestApi;
let worker: TestWorker;
let mail: MailCapture;
let server: Server;
let base: string;
let browser: Browser;

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const executablePath = chromiumPath();
  api = startApi({ RATE_LIMIT_PER_SECOND: '0' });
  worker = await startWorker();
  mail = await startMailCapture();
  server = api.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}, 600_000);
afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
  await mail?.close();
  await worker?.stop();
  await api?.close();
});

it('shows the reminder that reached the rep, and its email as sent', async () => {
  const org = await newOrg(api.deps.db);
  const team = `b${Date.now()}`;
  await api.http.post('/v1/reps').set(org.auth).send({ name: 'Alice Adams', email: `alice-${team}@acme.io`, teams: [team], timezone: 'America/New_York' });
  await api.http.patch('/v1/organization').set(org.auth).send({ timezone: 'America/New_York', notifications: { email: { smtp_url: mail.url, from: 'Routeswit <routing@acme.io>' } } });
  const rs = await api.http.post('/v1/rules').set(org.auth).send({
    name: 'inbound',
    rules: [{ id: 'webinar', then: { strategy: 'ROUND_ROBIN', team, notify_on_assign: true, sla: { first_touch_minutes: 0.03, escalations: [{ after_minutes: 0, action: 'REMIND' }, { after_minutes: 60, action: 'NOTIFY_MANAGER' }] } } }],
  });
  await api.http.post(`/v1/rules/${rs.body.id}/publish`).set(org.auth);
  await api.http.post('/v1/leads').set(org.auth).send({ email: 'jane.doe@globex.com', first_name: 'Jane', last_name: 'Doe', company: 'Globex', source: 'webinar' });
  const reminder = await waitFor(async () => mail.messages.find((m) => m.subject.startsWith('Reminder: “Jane Doe”')) ?? null, { timeoutMs: 20_000, what: 'the reminder email' });
  await waitFor(async () => (await api.http.get('/v1/notifications?status=SENT').set(org.auth)).body.length >= 2 || null, { what: 'both notifications to be sent' });

  const page = await browser.newPage({ viewport: { width: 760, height: 700 } });
  await page.setContent(reminder.html);
  await page.screenshot({ path: path.join(ARTIFACTS, 'reminder-email.png'), fullPage: true });
  await page.close();

  const dash = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  const errors: string[] = [];
  dash.on('pageerror', (err) => errors.push(err.message));
  await dash.goto(`${base}/dashboard`);
  await dash.fill('#key', org.key);
  await dash.click('#load');
  const row = dash.locator('#notifications tbody tr', { hasText: 'REMINDER' });
  await row.waitFor();
  await expect(row.innerText()).resolves.toMatch(/REMINDER\s+EMAIL\s+alice-.*@acme\.io\s+SENT\s+1\s+Reminder: “Jane Doe” is waiting for your first touch/);
  await row.getByRole('button', { name: 'View' }).click();
  await dash.locator('#message-subject', { hasText: 'Reminder: “Jane Doe”' }).waitFor();
  const frame = dash.frameLocator('#message-html');
  await expect(frame.locator('body').innerText()).resolves.toMatch(/Jane Doe \(Globex\) has not been touched yet: the first touch was due .* \(America\/New_York\)/);
  await dash.locator('#notifications').scrollIntoViewIfNeeded();
  await dash.locator('#notifications').locator('xpath=..').screenshot({ path: path.join(ARTIFACTS, 'dashboard-notifications.png') });
  expect(errors).toEqual([]);
  await dash.close();
}, 60_000);
