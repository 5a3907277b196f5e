import fs from 'node:fs';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface SlackPost {
  path: string;
  body: { text: string; blocks: Array<{ type: string; text?: { text: string }; elements?: Array<{ text: string }> }> };
}

/**
 * A Slack-format incoming webhook on 127.0.0.1 over HTTPS (the certificate global setup made, which the stack
 * trusts through OUTBOUND_CA_FILE): keeps each message and answers "ok" as Slack does.
 */
export async function slackReceiver(): Promise<{ url: (path?: string) => string; posts: SlackPost[]; close(): Promise<void> }> {
  const posts: SlackPost[] = [];
  const server = https.createServer({ cert: fs.readFileSync(process.env.TEST_TLS_CERT!), key: fs.readFileSync(process.env.TEST_TLS_KEY!) }, (req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      posts.push({ path: req.url ?? '', body: JSON.parse(body) });
      res.end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: (path = '/services/T000/B000/default') => `https://127.0.0.1:${port}${path}`,
    posts,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

/** The whole text of a Slack message, blocks included. */
export const slackText = (p: SlackPost): string => [p.body.text, ...p.body.blocks.flatMap((b) => [b.text?.text ?? '', ...(b.elements ?? []).map((e) => e.text)])].join('\n');
