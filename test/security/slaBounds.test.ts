import { slaDeadline } from '../../src/routing';
import { SlaSchema } from '../../src/routing/schema';
import { newOrg, startApi, type TestApi } from '../helpers/stack';

/** Finding 13: a business-hours SLA means business hours however far away; dates stay in a sane range. */
const MIN = 60_000;
const DAY = 86_400_000;
const TWELVE_MINUTES_A_DAY = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((d) => [d, [['09:00', '09:12']]]));

describe('business-hours deadlines far away', () => {
  it('a rep with 12 working minutes a day and a 10,000-minute SLA is due 833 working days later, not in a week', () => {
    const start = Date.UTC(2026, 0, 5, 8, 0);
    const sla = SlaSchema.parse({ first_touch_minutes: 10_000, business_hours: true });
    const due = slaDeadline(start, sla, { timezone: 'UTC', working_hours: TWELVE_MINUTES_A_DAY });
    // 833 whole days of 12 minutes is 9,996 minutes; the last 4 fall on day 833 at 09:04.
    expect(due).toBe(Date.UTC(2026, 0, 5) + 833 * DAY + 9 * 60 * MIN + 4 * MIN);
  });

  it('counts true elapsed working time across years of DST changes in Berlin', () => {
    const start = Date.UTC(2026, 0, 5, 7, 0); // 08:00 in Berlin, before the day's hours
    const hours = Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [['09:00', '09:12']]]));
    const sla = SlaSchema.parse({ first_touch_minutes: 12 * 5 * 52 * 3, business_hours: true });
    const due = slaDeadline(start, sla, { timezone: 'Europe/Berlin', working_hours: hours });
    // Three years of 52 weeks: the last working slot of the 156th week, 09:12 Berlin on a Friday.
    const local = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Berlin', weekday: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(due);
    expect(local).toBe('Fri 09:12');
    expect(due - start).toBeGreaterThan(3 * 360 * DAY);
    expect(due - start).toBeLessThan(3 * 366 * DAY);
  });
});

describe('activity dates', () => {
  let api: TestApi;
  beforeAll(() => {
    api = startApi();
  });
  afterAll(() => api.close());

  it.each(['0000-01-01T00:00:00Z', '9999-12-31T23:59:59Z', '1899-12-31T00:00:00Z'])('occurred_at %s is 422 at occurred_at', async (when) => {
    const org = await newOrg(api.deps.db);
    const contact = (await api.http.post('/v1/contacts').set(org.auth).send({ email: 'd@x.io' })).body.id;
    const res = await api.http.post(`/v1/contacts/${contact}/activities`).set(org.auth).send({ type: 'NOTE', occurred_at: when });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].path).toBe('occurred_at');
  });
});
