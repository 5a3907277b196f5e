import { copyFileSync, mkdirSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import path from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { startMailCapture, type MailCapture } from '../../src/dev/mailCapture';
import { createUserWithLink } from '../../src/services/users';
import { CHROMIUM_ARGS, chromiumPath } from '../helpers/chromium';
import { personWithRole } from '../helpers/people';
import { newOrg, startApi, startWorker, testConfig, type TestApi, type TestOrg, type TestWorker } from '../helpers/stack';
import { waitFor } from '../helpers/wait';

/**
 * Issue 29, the console as its people use it, in Chromium: an owner signs in and invites a manager by email;
 * the manager signs in from the mailed link, adds reps, builds a two-condition rule with the form editor,
 * tests it with a sample lead, publishes it, finds a lead it routed on the Leads page and reassigns it; the
 * audit log names both. A viewer reaches no write. Every page passes axe, fits 375 px, and is photographed.
 */
const SHOTS = path.join(__dirname, '..', 'artifacts', 'console');
const DOCS_SHOTS = path.join(__dirname, '..', '..', 'docs', 'screenshots');

let api: TestApi;
let worker: TestWorker;
let mail: MailCapture;
let server: Server;
let base: string;
let browser: Browser;
let org: TestOrg;
const OWNER = { email: `olive-${process.pid}@console.io`, password: 'olive owns the console' };
const MANAGER = { email: `max-${process.pid}@console.io`, password: 'max manages routing' };

beforeAll(async () => {
  mkdirSync(SHOTS, { recursive: true });
  const executablePath = chromiumPath();
  mail = await startMailCapture();
  api = startApi({ SMTP_URL: mail.url, MAIL_FROM: 'Routeswit <console@routeswit.test>' });
  // Invitations are mailed by the API; the outbox (other files' notifications) is left to the files that test it.
  worker = await startWorker(testConfig().TEMPORAL_TASK_QUEUE, {}, { outbox: false });
  server = api.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  browser = await chromium.launch({ executablePath, headless: true, args: CHROMIUM_ARGS });
  org = await newOrg(api.deps.db);
  const first = await createUserWithLink(api.deps, org.orgId, OWNER.email, 'owner', 'Olive Owner');
  const accepted = await api.http.post('/v1/invitations/accept').send({ token: new URL(first.acceptUrl).hash.slice('#token='.length), name: 'Olive Owner', password: OWNER.password });
  expect(accepted.status).toBe(200);
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await new Promise((r) => server?.close(r));
  await worker?.stop();
  await api?.close();
  await mail?.close();
});

/** A browser of its own (cookies apart), that may only talk to this server, failing on any page error. */
async function person(): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  return browserPerson();
}

async function browserPerson(): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const errors: string[] = [];
  await page.route('**/*', (route) => (route.request().url().startsWith(base) ? route.continue() : route.abort()));
  page.on('pageerror', (err) => errors.push(err.message));
  return { context, page, errors };
}

async function signIn(page: Page, who: { email: string; password: string }) {
  await page.goto(`${base}/console`);
  await page.getByLabel('Email', { exact: true }).fill(who.email);
  await page.getByLabel('Password', { exact: true }).fill(who.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { name: 'Overview' }).waitFor();
}

async function go(page: Page, link: string, heading: string) {
  await page.getByRole('navigation', { name: 'Console' }).getByRole('link', { name: link }).click();
  await page.getByRole('heading', { name: heading, exact: true }).waitFor();
}

it('an owner invites a manager, who builds, tests and publishes a rule, then reassigns a lead it routed; the audit log names both', async () => {
  const owner = await person();
  await signIn(owner.page, OWNER);
  await go(owner.page, 'Settings', 'Settings');
  await owner.page.getByLabel('Their email').fill(MANAGER.email);
  await owner.page.getByLabel('Role', { exact: true }).selectOption('manager');
  await owner.page.getByRole('button', { name: 'Send invitation' }).click();
  await owner.page.getByText(`Invitation emailed to ${MANAGER.email}.`).waitFor();

  // The manager's invitation, read from the local mail capture.
  const letter = await waitFor(async () => mail.messages.find((m) => m.to.includes(MANAGER.email)), { what: 'the invitation email' });
  const link = new URL(/(http\S+\/console\/accept#token=\w+)/.exec(letter.text)![1]!);
  const manager = await person();
  await manager.page.goto(`${base}${link.pathname}${link.hash}`);
  await manager.page.getByLabel('Your name').fill('Max Manager');
  await manager.page.getByLabel(/Choose a password/).fill(MANAGER.password);
  await manager.page.getByRole('button', { name: 'Set password and sign in' }).click();
  await manager.page.getByRole('heading', { name: 'Overview' }).waitFor();
  expect(await manager.page.locator('#who').innerText()).toContain(`${MANAGER.email}), manager`);
  expect(manager.page.url()).toBe(`${base}/console`);
  // A manager sees their teams' figures; this one has none yet.
  await manager.page.getByText('You manage no team yet').waitFor();

  // Two reps in team emea.
  const m = manager.page;
  await go(m, 'Reps and teams', 'Reps and teams');
  for (const [name, email] of [['Ada Lovelace', 'ada'], ['Bob Noyce', 'bob']]) {
    const form = m.getByRole('form', { name: 'New rep' });
    if (!(await form.isVisible())) await m.locator('summary', { hasText: 'New rep' }).click();
    await form.getByLabel('Name').fill(name!);
    await form.getByLabel('Email').fill(`${email}-${process.pid}@console.io`);
    await form.getByLabel('Teams (comma-separated)').fill('emea');
    await form.getByRole('button', { name: 'Add rep' }).click();
    await m.getByText(`Added ${name}.`).waitFor();
    await m.getByRole('button', { name: `Edit ${name}` }).waitFor();
  }

  // A rule with two conditions, built with the form editor.
  await go(m, 'Rules', 'Rules');
  await m.getByRole('button', { name: 'New draft' }).click();
  await m.getByRole('heading', { name: /^Draft:/ }).waitFor();
  await m.getByRole('button', { name: 'Add rule' }).click();
  await m.getByLabel('Rule id').fill('emea-enterprise');
  await m.getByRole('button', { name: 'Add condition' }).click();
  const first = m.getByRole('group', { name: 'Conditions of rule emea-enterprise, condition 1' });
  await first.getByLabel('Field').selectOption('country');
  await first.getByLabel('Comparison').selectOption('eq');
  await first.getByLabel('Value').fill('DE');
  await m.getByRole('button', { name: 'Add condition' }).click();
  const second = m.getByRole('group', { name: 'Conditions of rule emea-enterprise, condition 2' });
  await second.getByLabel('Field').selectOption('employees');
  await second.getByLabel('Comparison').selectOption('gte');
  await second.getByLabel('Value').fill('500');
  await m.getByRole('combobox', { name: /^Strategy/ }).selectOption('ROUND_ROBIN');
  await m.getByRole('combobox', { name: /^Team/ }).selectOption('emea');
  await m.getByRole('button', { name: 'Save draft' }).click();
  await m.getByText('Draft saved.').waitFor();

  // Test: a German company of 1,000 people matches; the explanation says which rule and who.
  await m.getByLabel('Sample email').fill('hans@grossfirma.de');
  await m.getByLabel('Sample country').fill('DE');
  await m.getByLabel('Sample employees').fill('1000');
  await m.getByRole('button', { name: 'Test', exact: true }).click();
  await m.getByText('Rule emea-enterprise matched').waitFor();
  await m.getByText('Would be assigned').waitFor();

  // Publish: the diff names the new rule; the confirmation is answered with the keyboard.
  await m.getByText('rule emea-enterprise').first().waitFor();
  await m.getByRole('button', { name: 'Publish', exact: true }).click();
  await m.getByRole('dialog').waitFor();
  await m.keyboard.press('Enter');
  await m.getByRole('heading', { name: 'Rules', exact: true }).waitFor();
  await m.getByRole('cell', { name: 'ACTIVE' }).waitFor();
  const active = (await api.http.get('/v1/rules/active').set(org.auth)).body;
  expect(active.rules).toEqual([{ id: 'emea-enterprise', when: { all: [{ field: 'country', op: 'eq', value: 'DE' }, { field: 'employees', op: 'gte', value: 500 }] }, then: { strategy: 'ROUND_ROBIN', team: 'emea' } }]);

  // A lead arrives by the API; the manager finds it on the Leads page, routed by the new rule, and reassigns it.
  const lead = (await api.http.post('/v1/leads').set(org.auth).send({ email: 'greta@grossfirma.de', country: 'DE', employees: 2000, company: 'Grossfirma' })).body;
  expect(lead.routing.rule_id).toBe('emea-enterprise');
  await go(m, 'Leads', 'Leads');
  const row = m.getByRole('row', { name: /greta@grossfirma\.de/ });
  await row.getByRole('cell', { name: 'emea-enterprise' }).waitFor();
  await row.getByRole('link', { name: 'greta@grossfirma.de' }).click();
  await m.getByText('Rule emea-enterprise matched').waitFor();
  const before = await m.locator('#lead-rep').innerText();
  await m.getByRole('button', { name: 'Reassign', exact: true }).click();
  await m.getByRole('dialog').getByRole('button', { name: 'Reassign' }).click();
  await m.getByText('Reassigned.').waitFor();
  await waitFor(async () => ((await m.locator('#lead-rep').innerText()) !== before ? true : null), { what: 'the new rep on the page' });
  const after = (await api.http.get(`/v1/leads/${lead.id}`).set(org.auth)).body;
  expect(after.assigned_rep_id).not.toBe(lead.assigned_rep_id);
  expect(['Ada Lovelace', 'Bob Noyce']).toContain(await m.locator('#lead-rep').innerText());

  // The owner's audit log names both people.
  await owner.page.reload();
  await owner.page.getByRole('heading', { name: 'Audit log' }).waitFor();
  const audit = owner.page.getByRole('table').filter({ hasText: 'published ruleset' });
  await audit.getByRole('cell', { name: 'Max Manager' }).first().waitFor();
  await audit.getByRole('cell', { name: 'Olive Owner' }).first().waitFor();
  expect(await audit.getByRole('row', { name: /Max Manager published ruleset/ }).count()).toBe(1);
  expect(await audit.getByRole('row', { name: /Olive Owner created invitation/ }).count()).toBe(1);

  // The owner makes emea the manager's team; the manager's Overview then shows emea's day, its reps by name.
  await owner.page.getByLabel('Teams of Max Manager').fill('emea');
  await owner.page.getByRole('button', { name: 'Save teams' }).click();
  await owner.page.getByText(`${MANAGER.email} manages emea.`).waitFor();
  await m.goto(`${base}/console`);
  await m.getByRole('heading', { name: 'Reps today' }).waitFor();
  await m.getByRole('cell', { name: /Ada Lovelace|Bob Noyce/ }).first().waitFor();
  expect(await m.getByText('You manage no team yet').count()).toBe(0);
  expect([...owner.errors, ...manager.errors]).toEqual([]);
  await owner.context.close();
  await manager.context.close();
}, 180_000);

it('a viewer reaches no write in the console, and the API refuses one anyway', async () => {
  const viewer = await personWithRole(api, org, 'viewer', 'vera only reads');
  const { context, page } = await person();
  await signIn(page, { email: viewer.email, password: viewer.password });
  await go(page, 'Reps and teams', 'Reps and teams');
  await page.getByRole('table').waitFor();
  expect(await page.locator('summary', { hasText: 'New rep' }).count()).toBe(0);
  expect(await page.getByRole('button', { name: /^Edit / }).count()).toBe(0);
  for (const select of await page.getByRole('combobox', { name: /^Availability of/ }).all()) expect(await select.isDisabled()).toBe(true);
  await go(page, 'Rules', 'Rules');
  await page.getByRole('table').waitFor();
  expect(await page.getByRole('button', { name: 'New draft' }).count()).toBe(0);
  expect(await page.getByRole('button', { name: /^Roll back/ }).count()).toBe(0);
  await go(page, 'Settings', 'Settings');
  expect(await page.getByRole('button', { name: /Save organization/ }).isDisabled()).toBe(true);
  expect(await page.getByRole('heading', { name: 'API keys' }).count()).toBe(0);
  // The same session, used directly: the API refuses the write whatever the page shows.
  const res = await api.http.post('/v1/reps').set(viewer.write).send({ name: 'Sneaky', email: `sneaky-${process.pid}@console.io` });
  expect(res.status).toBe(403);
  await context.close();
}, 120_000);

it('a refused save keeps the half-edited rule and shows the API\'s words at the field', async () => {
  const { context, page, errors } = await person();
  await signIn(page, OWNER);
  await go(page, 'Rules', 'Rules');
  await page.getByRole('button', { name: 'New draft' }).click();
  await page.getByRole('heading', { name: /^Draft:/ }).waitFor();
  await page.getByRole('button', { name: 'Add rule' }).click();
  await page.getByLabel('Rule id').last().fill('big-scores');
  await page.getByRole('button', { name: 'Add condition' }).last().click();
  const leaf = page.getByRole('group', { name: 'Conditions of rule big-scores, condition 1' });
  await leaf.getByLabel('Field').selectOption('score');
  await leaf.getByLabel('Comparison').selectOption('gt');
  await leaf.getByLabel('Value').fill('lots');
  await page.getByRole('button', { name: 'Save draft' }).click();
  await page.getByRole('alert').filter({ hasText: /gt needs a number value/ }).waitFor();
  // The message sits at the field, and nothing typed is gone.
  await leaf.getByText('gt needs a number value').waitFor();
  expect(await leaf.getByLabel('Value').inputValue()).toBe('lots');
  expect(await page.getByLabel('Rule id').last().inputValue()).toBe('big-scores');
  await page.getByText('Unsaved changes').waitFor();
  await leaf.getByLabel('Value').fill('90');
  await page.getByRole('button', { name: 'Save draft' }).click();
  await page.getByText('Draft saved.').waitFor();
  expect(await leaf.getByText('gt needs a number value').count()).toBe(0);
  expect(errors).toEqual([]);
  await context.close();
}, 120_000);

it('connects Salesforce from the Integrations page, showing the outbound message URL once', async () => {
  const { context, page, errors } = await person();
  await signIn(page, OWNER);
  await go(page, 'Integrations', 'Integrations');
  await page.getByLabel('Org id (18 characters, 00D…)').fill('00D5e000000AbCdEAK');
  await page.getByLabel('Consumer key').fill('3MVG9.console.test');
  await page.getByLabel('Consumer secret').fill('consumer-secret-for-the-test');
  await page.getByLabel('Refresh token').fill('5Aep.refresh.token.for.the.test');
  await page.getByRole('button', { name: 'Connect Salesforce' }).click();
  await page.getByLabel('Outbound message URL').or(page.getByRole('alert')).first().waitFor();
  expect(await page.getByRole('alert').allInnerTexts()).toEqual([]);
  const url = await page.getByLabel('Outbound message URL').inputValue();
  expect(url).toMatch(/\/v1\/integrations\/salesforce\/outbound-message\?token=[\w-]{20,}$/);
  await page.getByRole('button', { name: 'I have stored it' }).click();
  await page.getByText('token=********').waitFor();
  expect(errors).toEqual([]);
  await context.close();
}, 60_000);

it('sets retention and forgets a person from Settings, with a confirmation', async () => {
  const person = `forget-${process.pid}@console.io`;
  const lead = (await api.http.post('/v1/leads').set(org.auth).send({ email: person, first_name: 'Fern' })).body;
  const { context, page, errors } = await browserPerson();
  await signIn(page, OWNER);
  await go(page, 'Settings', 'Settings');
  await page.getByLabel('Audit entries').fill('400');
  await page.getByRole('button', { name: 'Save retention' }).click();
  await page.getByText('Retention saved.').waitFor();
  expect((await api.http.get('/v1/organization').set(org.auth)).body.retention).toMatchObject({ audit_days: 400, own: ['audit_days'] });
  await page.getByLabel('Email of the person to forget').fill(person);
  await page.getByRole('button', { name: 'Erase', exact: true }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Erase' }).click();
  await page.getByText(/Erased: 1 leads, 1 contacts/).waitFor();
  expect((await api.http.get(`/v1/leads/${lead.id}`).set(org.auth)).body).toMatchObject({ email: 'erased@erased.invalid', first_name: null });
  expect(errors).toEqual([]);
  await context.close();
}, 60_000);

const PAGES: Array<[string, string, string]> = [
  ['overview', '/console', 'Overview'],
  ['leads', '/console/leads', 'Leads'],
  ['reps', '/console/reps', 'Reps and teams'],
  ['rules', '/console/rules', 'Rules'],
  ['lists', '/console/lists', 'Lists and calendars'],
  ['integrations', '/console/integrations', 'Integrations'],
  ['settings', '/console/settings', 'Settings'],
];

it('every page: no serious or critical axe violations, nothing wider than a 375 px phone, a screenshot', async () => {
  const { context, page, errors } = await person();
  await signIn(page, OWNER);
  const leadId = (await api.http.get('/v1/leads?limit=1').set(org.auth)).body[0]?.id as string;
  const draftId = (await api.http.get('/v1/rules?limit=1').set(org.auth)).body[0]?.id as string;
  const pages: Array<[string, string, string | RegExp]> = [...PAGES, ['lead', `/console/leads/${leadId}`, 'Why this rep'], ['rule-editor', `/console/rules/${draftId}`, /^(Draft|Version)/]];
  const problems: string[] = [];
  for (const [name, url, heading] of pages) {
    for (const width of [1280, 375]) {
      await page.setViewportSize({ width, height: width === 375 ? 800 : 900 });
      await page.goto(`${base}${url}`);
      await page.getByRole('heading', { name: heading }).first().waitFor();
      // These run in the page; the tests compile without the DOM's types, hence the casts.
      await page.waitForFunction(() => !(globalThis as any).document.querySelector('[role="status"]')?.textContent?.startsWith('Loading')); // eslint-disable-line @typescript-eslint/no-explicit-any
      if (width === 1280) {
        const axe = await new AxeBuilder({ page }).analyze();
        for (const v of axe.violations) if (v.impact === 'serious' || v.impact === 'critical') problems.push(`${name}: ${v.id} at ${v.nodes[0]?.target.join(' ')}`);
        await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: false });
      } else {
        const wide = await page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number); // eslint-disable-line @typescript-eslint/no-explicit-any
        if (wide > 375) {
          // Name the outermost element that sticks out, so the failure says where to look.
          const culprit = await page.evaluate(() => {
            const els = [...(globalThis as any).document.querySelectorAll('body *')] as Array<{ tagName: string; textContent: string | null; parentElement: any; getBoundingClientRect(): { right: number } }>; // eslint-disable-line @typescript-eslint/no-explicit-any
            const out = els.find((e) => e.getBoundingClientRect().right > 376 && e.parentElement.getBoundingClientRect().right <= 376);
            return out ? `${out.tagName.toLowerCase()} "${(out.textContent ?? '').slice(0, 40)}"` : 'nothing found';
          });
          problems.push(`${name}: ${wide} px wide at 375 (${culprit})`);
        }
      }
    }
  }
  await page.context().clearCookies();
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.goto(`${base}/console`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.screenshot({ path: path.join(SHOTS, 'sign-in.png') });
  expect(problems).toEqual([]);
  expect(errors).toEqual([]);
  await context.close();
  // `SCREENSHOTS=update npm test -- console` refreshes the README's pictures.
  if (process.env.SCREENSHOTS === 'update') {
    mkdirSync(DOCS_SHOTS, { recursive: true });
    for (const [name] of [...pages, ['sign-in']]) copyFileSync(path.join(SHOTS, `${name}.png`), path.join(DOCS_SHOTS, `console-${name}.png`));
  }
}, 240_000);
