import fs from 'node:fs';
import { startMailCapture } from '../../src/dev/mailCapture';
import { sendMail } from '../../src/net/mail';
import { describeFailure, outboundPolicy, REFUSED } from '../../src/net/outbound';
import { describeSlackFailure, sendSlack } from '../../src/net/slack';
import { slackReceiver } from '../helpers/slackReceiver';

/** The two notification channels on the wire, and the outbound guard on each. */
const loopback = outboundPolicy('127.0.0.0/8');
const publicOnly = outboundPolicy('public');
const message = { from: 'Routeswit <r@x.io>', to: 'ann@x.io', subject: 'Hello', text: 'plain', html: '<p>html</p>' };

describe('email over SMTP', () => {
  it("sends through the operator's server as configured, and through an organization's only where OUTBOUND_TARGETS allows", async () => {
    const capture = await startMailCapture();
    try {
      await sendMail({ url: capture.url, guarded: false }, publicOnly, message);
      await sendMail({ url: capture.url, guarded: true }, loopback, message);
      expect(capture.messages.map((m) => [m.to, m.subject, m.text.trim(), m.html])).toEqual([
        [['ann@x.io'], 'Hello', 'plain', '<p>html</p>'],
        [['ann@x.io'], 'Hello', 'plain', '<p>html</p>'],
      ]);
      await expect(sendMail({ url: capture.url.replace('127.0.0.1', 'localhost'), guarded: true }, publicOnly, message)).rejects.toThrow(REFUSED);
    } finally {
      await capture.close();
    }
  });
});

describe('Slack incoming webhooks', () => {
  it('posts the Block Kit message over HTTPS with the extra CA, and is refused a disallowed address', async () => {
    const slack = await slackReceiver();
    const ca = fs.readFileSync(process.env.OUTBOUND_CA_FILE!, 'utf8');
    try {
      await sendSlack(slack.url('/services/T/B/1'), { text: 'hi', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*hi*' } }] }, loopback, ca);
      expect(slack.posts).toEqual([{ path: '/services/T/B/1', body: { text: 'hi', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*hi*' } }] } }]);
      const refused = await sendSlack(slack.url(), { text: 'x', blocks: [] }, publicOnly, ca).catch((e: unknown) => e);
      const said = describeSlackFailure(refused);
      expect(said && 'cause' in said ? describeFailure(said.cause) : said).toBe(REFUSED);
      const untrusted = await sendSlack(slack.url(), { text: 'x', blocks: [] }, loopback).catch((e: unknown) => e);
      const why = describeSlackFailure(untrusted);
      expect(why && 'cause' in why ? describeFailure(why.cause) : why).toBe('TLS handshake failed');
    } finally {
      await slack.close();
    }
  });
});
