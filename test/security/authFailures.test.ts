import { newOrg, startApi, type TestApi } from '../helpers/stack';

/** Finding 11: failed authentication is limited per client address, before any database lookup. */
let api: TestApi;

beforeAll(() => {
  api = startApi({ AUTH_FAILURES_PER_MINUTE: '10' });
});
afterAll(() => api.close());

it('answers 429 with Retry-After once an address has failed too often, without looking keys up', async () => {
  const org = await newOrg(api.deps.db);
  let lookups = 0;
  const count = (q: { sql: string }) => {
    if (/from "api_keys"/.test(q.sql)) lookups++;
  };
  api.deps.db.on('query', count);
  const statuses: number[] = [];
  try {
    for (let i = 0; i < 30; i++) {
      statuses.push((await api.http.get('/v1/reps').set('Authorization', `Bearer sk_live_${String(i).padStart(40, '0')}`)).status);
    }
  } finally {
    api.deps.db.removeListener('query', count);
  }
  expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
  expect(statuses.slice(12)).toEqual(Array(18).fill(429));
  expect(lookups).toBeLessThanOrEqual(12);
  const blocked = await api.http.get('/v1/reps').set(org.auth);
  expect(blocked.status).toBe(429);
  expect(Number(blocked.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  expect(blocked.body.error.code).toBe('RATE_LIMITED');
});

describe('X-Forwarded-For (round 2, finding 10)', () => {
  const wrong = (i: number) => `Bearer sk_live_${String(i).padStart(40, '9')}`;

  it('is not believed by default: rotating it from one connection does not reset the failure limit', async () => {
    const own = startApi({ AUTH_FAILURES_PER_MINUTE: '5' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await own.http.get('/v1/reps').set('Authorization', wrong(i)).set('X-Forwarded-For', `203.0.113.${i}`)).status);
      expect(statuses.slice(0, 5)).toEqual(Array(5).fill(401));
      expect(statuses.slice(7)).toEqual(Array(5).fill(429));
    } finally {
      await own.close();
    }
  });

  it('is believed from the proxies the operator names in TRUST_PROXY, whose clients are then counted apart', async () => {
    const own = startApi({ AUTH_FAILURES_PER_MINUTE: '5', TRUST_PROXY: 'loopback' });
    try {
      const statuses: number[] = [];
      for (let i = 0; i < 12; i++) statuses.push((await own.http.get('/v1/reps').set('Authorization', wrong(i)).set('X-Forwarded-For', `203.0.113.${i}`)).status);
      expect(statuses).toEqual(Array(12).fill(401));
    } finally {
      await own.close();
    }
  });
});
