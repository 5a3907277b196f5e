import { EMAIL_NOT_CONFIGURED, NO_EMAIL_ADDRESS, planDeliveries, type Recipient } from '../../src/notify/plan';
import { nextSentence, renderEmail, renderSlack, type NotificationFacts } from '../../src/notify/render';

const person = (name: string, over: Partial<Recipient> = {}): Recipient => ({ repId: `rep_${name}`, name, email: `${name}@x.io`, slackUserId: null, notifyEmail: true, notifySlack: true, ...over });
const both = { email: true, slack: true };

describe('who is told, and how', () => {
  it('emails each recipient who takes email and mentions everyone who takes Slack in one message', () => {
    const plan = planDeliveries([person('ann', { slackUserId: 'UANN' }), person('bo', { notifySlack: false }), person('cy', { notifyEmail: false })], both, 'nobody');
    expect(plan).toEqual([
      { channel: 'EMAIL', to: expect.objectContaining({ name: 'ann' }), skipped: null },
      { channel: 'EMAIL', to: expect.objectContaining({ name: 'bo' }), skipped: null },
      { channel: 'SLACK', mentions: [expect.objectContaining({ name: 'ann' }), expect.objectContaining({ name: 'cy' })] },
    ]);
  });

  it('reports a recipient who cannot be emailed, and a step with nobody to tell, instead of dropping them', () => {
    expect(planDeliveries([person('ann', { email: null })], { email: true, slack: false }, 'nobody')).toEqual([{ channel: 'EMAIL', to: expect.objectContaining({ name: 'ann' }), skipped: NO_EMAIL_ADDRESS }]);
    expect(planDeliveries([person('ann')], { email: false, slack: false }, 'nobody')).toEqual([{ channel: 'EMAIL', to: expect.objectContaining({ name: 'ann' }), skipped: EMAIL_NOT_CONFIGURED }]);
    expect(planDeliveries([], both, 'no manager')).toEqual([{ channel: 'EMAIL', to: null, skipped: 'no manager' }, { channel: 'SLACK', mentions: [] }]);
  });

  it('sends nothing to a rep who turned both channels off', () => {
    expect(planDeliveries([person('ann', { notifyEmail: false, notifySlack: false })], both, 'nobody')).toEqual([]);
  });
});

const facts = (over: Partial<NotificationFacts> = {}): NotificationFacts => ({
  kind: 'REMINDER',
  orgName: 'Acme & Co',
  timezone: 'Europe/Berlin',
  lead: { id: 'lead_1', name: 'Jo <script>alert(1)</script>', company: 'Acme', email: 'jo@acme.io', source: 'webinar' },
  rep: { id: 'rep_a', name: 'Avery' },
  slaDueAt: Date.UTC(2026, 11, 1, 13, 5),
  next: 'if nobody touches the lead by 1 Dec 2026, 14:10 (Europe/Berlin), Avery\'s manager is told.',
  leadUrl: 'https://routing.acme.io/v1/leads/lead_1?x=1&y=2',
  traceUrl: 'https://temporal.acme.io/namespaces/default/workflows/lead-lead_1',
  ...over,
});

describe('what a notification says', () => {
  it('writes times in the organization\'s zone and escapes the lead\'s data in HTML only', () => {
    const mail = renderEmail(facts(), { repId: 'rep_a', name: 'Avery', email: 'a@x.io', slackUserId: null });
    expect(mail.subject).toBe('Reminder: “Jo <script>alert(1)</script>” is waiting for your first touch');
    expect(mail.text).toContain('the first touch was due 1 Dec 2026, 14:05 (Europe/Berlin)');
    expect(mail.text).toContain('Jo <script>alert(1)</script>');
    expect(mail.html).not.toContain('<script>');
    expect(mail.html).toContain('Jo &lt;script&gt;');
    expect(mail.html).toContain('href="https://routing.acme.io/v1/leads/lead_1?x=1&amp;y=2"');
    expect(mail.text).toContain('https://routing.acme.io/v1/leads/lead_1?x=1&y=2');
  });

  it('tells a manager why they hear of it, and an escalation contact likewise', () => {
    expect(renderEmail(facts({ kind: 'ESCALATION', asManager: true }), { repId: null, name: 'M', email: null, slackUserId: null }).text).toContain('Sent because you manage Avery.');
    expect(renderEmail(facts({ kind: 'GIVEN_UP', reassignments: 2, next: null }), { repId: null, name: 'C', email: null, slackUserId: null }).text).toContain('after 2 reassignment(s)');
  });

  it('mentions Slack members by id and escapes Slack markup in names', () => {
    const msg = renderSlack(facts({ lead: { ...facts().lead, name: 'A <b> & c' } }), [{ repId: 'rep_a', name: 'Avery', email: null, slackUserId: 'UAVERY' }, { repId: 'rep_b', name: 'B<ob>', email: null, slackUserId: null }]);
    const text = JSON.stringify(msg.blocks);
    expect(text).toContain('<@UAVERY> *B&lt;ob&gt;*');
    expect(text).toContain('A &lt;b&gt; &amp; c');
    expect(text).toContain('<https://routing.acme.io/v1/leads/lead_1?x=1&y=2|Open the lead>');
  });

  it('says what happens next', () => {
    expect(nextSentence({ at: Date.UTC(2026, 0, 1, 9, 0), action: 'REASSIGN' }, 'Avery', 'UTC')).toBe('if nobody touches the lead by 1 Jan 2026, 09:00 (UTC), the lead goes to another rep.');
    expect(nextSentence(undefined, 'Avery', 'UTC')).toMatch(/^nothing more happens by itself/);
  });
});
