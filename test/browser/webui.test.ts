import fs from 'node:fs';
import http, { type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { freePort, startDevServer, type DevServer } from '../../src/dev/temporalServer';
import { workflowIdFor } from '../../src/lead/model';
import { createOperatorKey } from '../../src/services/operatorKeys';
import { CHROMIUM_ARGS, chromiumPath } from '../helpers/chromium';
import { ownDatabase } from '../helpers/database';
import { newOrg, startApi, startWorker, type TestApi, type TestWorker } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

/**
 * The real Temporal Web UI, as a person in sales operations reads a lead in it: the lead's summary, each
 * step's line and the current details, decoded through the API's codec endpoint with an operator session.
 */
const ARTIFACTS = path.join(__dirname, '..', 'artifacts');
const UI_TIMEOUT = 60_000;

let temporal: DevServer;
let api: TestApi;
let worker: TestWorker;
let server: Server;
let database: { url: string; drop(): Promise<void> };
let browser: Browser;
let apiBase: string;

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  const executablePath = chromiumPath();
  // The API's port is held from the start: the dev server, told where the codec is, opens ports of its own
  // and once took a port that freePort had just reported free (EADDRINUSE, and a hook that never returned).
  let app: http.RequestListener | undefined;
  server = http.createServer((req, res) => (app ? app(req, res) : res.writeHead(503).end()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  apiBase = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  temporal = await startDevServer({ binary: process.env.TEMPORAL_CLI_PATH!, uiPort: await freePort(), uiCodecEndpoint: `${apiBase}/codec` });
  // Its own Temporal server, so its own database (see ownDatabase).
  database = await ownDatabase('webui');
  const overrides = { DATABASE_URL: database.url, TEMPORAL_ADDRESS: temporal.address, TEMPORAL_UI_URL: temporal.uiUrl!, PUBLIC_API_URL: apiBase, RATE_LIMIT_PER_SECOND: '0' };
  api = startApi(overrides);
  worker = await startWorker(undefined, overrides);
  app = api.app as unknown as http.RequestListener;
  browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
  await worker?.stop();
  await api?.close();
  await temporal?.stop();
  await database?.drop();
});

it("shows a lead's story: summary, step lines and current details, decoded for an operator", async () => {
  const org = await newOrg(api.deps.db);
  await api.http.post('/v1/reps').set(org.auth).send({ name: 'Alice Adams', email: 'alice@webui.io', teams: ['sdr'] });
  const rs = await api.http.post('/v1/rules').set(org.auth).send({ name: 'r', rules: [{ id: 'inbound-sdr', then: { strategy: 'ROUND_ROBIN', team: 'sdr', sla: { first_touch_minutes: 120 } } }] });
  await api.http.post(`/v1/rules/${rs.body.id}/publish`).set(org.auth);
  const lead = (await api.http.post('/v1/leads').set(org.auth).send({ email: 'ada@engines.io', first_name: 'Ada', last_name: 'Lovelace', company: 'Analytical Engines', source: 'webinar' })).body;
  expect(lead.status).toBe('ASSIGNED');
  const operator = (await createOperatorKey(api.deps, 'ops')).secret;

  const context = await browser.newContext({ viewport: { width: 1440, height: 1800 } });
  const page = await context.newPage();
  // The operator starts a codec session on the API's own page…
  await page.goto(`${apiBase}/codec`);
  await page.fill('#key', operator);
  await page.click('button[type=submit]');
  await page.getByText('Session started').waitFor({ timeout: UI_TIMEOUT });
  // …and tells the Web UI to send its cookies to the codec endpoint (the UI's own codec setting).
  await page.goto(temporal.uiUrl!);
  await page.evaluate((endpoint) => {
    const storage = (globalThis as unknown as { localStorage: { setItem(k: string, v: string): void } }).localStorage;
    storage.setItem('endpoint', JSON.stringify(endpoint));
    storage.setItem('includeCredentials', 'true');
    storage.setItem('overrideRemoteCodecConfiguration', 'true');
  }, `${apiBase}/codec`);
  await page.goto(`${temporal.uiUrl}/namespaces/default/workflows/${workflowIdFor(lead.id)}`);
  const shot = (name: string) => page.screenshot({ path: path.join(ARTIFACTS, `webui-${name}.png`), fullPage: true });
  // The UI renders summaries and details as sandboxed markdown, in iframes: look in every frame.
  const see = (text: string | RegExp) =>
    waitFor(
      async () => {
        for (const frame of page.frames()) if (await frame.getByText(text).first().isVisible().catch(() => false)) return true;
        return null;
      },
      { timeoutMs: UI_TIMEOUT, what: `"${text}" in the Web UI` },
    );
  try {
    // The timeline: what the workflow waits for, in words.
    await see(/SLA due \d{4}-\d\d-\d\d \d\d:\d\d UTC \(Alice Adams\)/);
    await shot('timeline');
    // Who the lead is, links to it, and where it stands now.
    await page.getByRole('link', { name: 'User Metadata' }).or(page.getByText('User Metadata')).first().click();
    await see('Lead Ada Lovelace, Analytical Engines (webinar)');
    await see(`GET /v1/leads/${lead.id}`);
    for (const line of ['Status', 'ASSIGNED', 'Alice Adams', 'inbound-sdr', 'SLA due']) await see(line);
    await shot('metadata');
    // Every step with its line.
    await page.getByText('Event History').first().click();
    await see(/Route the lead/);
    await shot('events');
  } finally {
    await shot('last');
  }
  for (const frame of page.frames()) expect(await frame.innerText('body').catch(() => '')).not.toContain('binary/encrypted');
  await context.close();
}, 300_000);
