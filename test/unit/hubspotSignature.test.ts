import { createHmac } from 'node:crypto';
import { signedUri, signV3, verifyV3 } from '../../src/crm/hubspot/signature';

/** HubSpot's v3 request signature, as its documentation describes it ("Validating requests from HubSpot"). */
const secret = 'app-client-secret';
const body = Buffer.from('[{"eventId":1,"portalId":62515,"objectId":123,"subscriptionType":"contact.creation"}]');
const uri = 'https://routeswit.example.com/v1/integrations/hubspot/webhook?a=1';
const now = 1_765_000_000_000;
const ts = String(now - 1000);
const good = { method: 'POST', uris: [uri], body, timestamp: ts, signature: signV3(secret, 'POST', uri, body, ts) };

it('is base64 HMAC-SHA256 of method, URI, body and timestamp, keyed with the client secret', () => {
  const expected = createHmac('sha256', secret).update(`POST${uri}${body.toString()}${ts}`).digest('base64');
  expect(good.signature).toBe(expected);
  expect(verifyV3(secret, good, now)).toBeNull();
});

it("decodes only the characters HubSpot's table lists before signing", () => {
  expect(signedUri('https://h.io/p%3Aq%2Fr%3Fs%40t%21u%24v%27w%28x%29y%2Az%2Ca%3Bb%20c%26d%3De')).toBe("https://h.io/p:q/r?s@t!u$v'w(x)y*z,a;b%20c%26d%3De");
});

it('refuses a change to any signed part, a stale or future timestamp, and missing headers', () => {
  expect(verifyV3(secret, { ...good, method: 'PUT' }, now)).toBe('mismatch');
  expect(verifyV3(secret, { ...good, uris: [`${uri}&b=2`] }, now)).toBe('mismatch');
  expect(verifyV3(secret, { ...good, body: Buffer.from(body.toString().replace('123', '124')) }, now)).toBe('mismatch');
  expect(verifyV3('another-secret', good, now)).toBe('mismatch');
  expect(verifyV3(secret, good, now + 5 * 60_000 + 1001)).toBe('stale');
  expect(verifyV3(secret, good, Number(ts) - 5 * 60_000 - 1)).toBe('stale');
  expect(verifyV3(secret, { ...good, signature: undefined }, now)).toBe('missing');
  expect(verifyV3(secret, { ...good, timestamp: undefined }, now)).toBe('missing');
});

it('accepts the signature made for any of the URIs the request may have been sent to', () => {
  expect(verifyV3(secret, { ...good, uris: ['http://10.0.0.5:3000/v1/integrations/hubspot/webhook?a=1', uri] }, now)).toBeNull();
});
