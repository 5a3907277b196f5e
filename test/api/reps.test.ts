import { newOrg, type TestOrg , apiSuite } from '../helpers/stack';

const suite = apiSuite();

const post = (body: unknown, auth = suite.org.auth) => suite.api.http.post('/v1/reps').set(auth).send(body as object);

describe('reps CRUD', () => {
  it('creates a rep with defaults a sales team expects', async () => {
    const res = await post({ name: 'Alex Rivera', email: 'Alex@Company.com' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: 'Alex Rivera',
      email: 'alex@company.com',
      status: 'AVAILABLE',
      teams: [],
      weight: 1,
      max_open_leads: null,
      daily_cap: null,
      timezone: 'UTC',
      working_hours: null,
      out_of_office: [],
      manager_id: null,
      open_leads: 0,
      active: true,
    });
    expect(res.body.id).toMatch(/^rep_/);
    const got = await suite.api.http.get(`/v1/reps/${res.body.id}`).set(suite.org.auth);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
  });

  it('stores the canonical time zone name and the working hours as given', async () => {
    const res = await post({
      name: 'Berlin AE',
      email: 'berlin@company.com',
      timezone: 'europe/berlin',
      teams: ['emea-ae'],
      working_hours: { mon: [['09:00', '12:00'], ['13:00', '17:00']], fri: [['09:00', '15:00']] },
      out_of_office: [{ start: '2026-12-24T00:00:00Z', end: '2026-12-27T00:00:00Z' }],
      max_open_leads: 20,
      daily_cap: 8,
      weight: 3,
    });
    expect(res.status).toBe(200);
    expect(res.body.timezone).toBe('Europe/Berlin');
    expect(res.body.working_hours.mon).toEqual([['09:00', '12:00'], ['13:00', '17:00']]);
    expect(res.body.out_of_office).toHaveLength(1);
  });

  it('updates only the fields sent', async () => {
    const created = await post({ name: 'Sam', email: 'sam@company.com', teams: ['sdr'] });
    const res = await suite.api.http.patch(`/v1/reps/${created.body.id}`).set(suite.org.auth).send({ status: 'AWAY', max_open_leads: 5 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'AWAY', max_open_leads: 5, teams: ['sdr'], name: 'Sam' });
    expect(Date.parse(res.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.body.updated_at));
  });

  it('deletes by deactivating: the rep leaves the list but its record stays', async () => {
    const created = await post({ name: 'Leaver', email: 'leaver@company.com' });
    const del = await suite.api.http.delete(`/v1/reps/${created.body.id}`).set(suite.org.auth);
    expect(del.status).toBe(200);
    expect(del.body).toMatchObject({ active: false, status: 'OFFLINE' });
    const list = await suite.api.http.get('/v1/reps?limit=500').set(suite.org.auth);
    expect(list.body.map((r: { id: string }) => r.id)).not.toContain(created.body.id);
    const all = await suite.api.http.get('/v1/reps?limit=500&include_inactive=true').set(suite.org.auth);
    expect(all.body.map((r: { id: string }) => r.id)).toContain(created.body.id);
    expect((await suite.api.http.get(`/v1/reps/${created.body.id}`).set(suite.org.auth)).body.active).toBe(false);
    // Changing a deleted rep is an illegal state change; deleting again is harmless.
    expect((await suite.api.http.patch(`/v1/reps/${created.body.id}`).set(suite.org.auth).send({ status: 'AVAILABLE' })).status).toBe(409);
    expect((await suite.api.http.delete(`/v1/reps/${created.body.id}`).set(suite.org.auth)).status).toBe(200);
    // The email is free again for a new rep.
    expect((await post({ name: 'Returner', email: 'leaver@company.com' })).status).toBe(200);
  });
});

describe('reps validation', () => {
  it('refuses a duplicate email in the same organization with 409, case-insensitively', async () => {
    await post({ name: 'Dup', email: 'dup@company.com' });
    const res = await post({ name: 'Dup 2', email: 'DUP@company.com' });
    expect(res.status).toBe(409);
    expect(res.body.error.code).toBe('CONFLICT');
    expect(res.body.error.details).toEqual([{ path: 'email', message: 'already used by another rep' }]);
    const other = await newOrg(suite.api.deps.db);
    expect((await post({ name: 'Same email elsewhere', email: 'dup@company.com' }, other.auth)).status).toBe(200);
  });

  it('refuses a PATCH that takes another rep\'s email with 409', async () => {
    await post({ name: 'P1', email: 'p1@company.com' });
    const p2 = await post({ name: 'P2', email: 'p2@company.com' });
    const res = await suite.api.http.patch(`/v1/reps/${p2.body.id}`).set(suite.org.auth).send({ email: 'p1@company.com' });
    expect(res.status).toBe(409);
  });

  it.each([
    [{ name: 'x', email: 'not-an-email' }, 'email'],
    [{ email: 'a@b.co' }, 'name'],
    [{ name: 'x', email: 'a@b.co', timezone: 'Mars/Olympus' }, 'timezone'],
    [{ name: 'x', email: 'a@b.co', timezone: '+01:00' }, 'timezone'],
    [{ name: 'x', email: 'a@b.co', status: 'BUSY' }, 'status'],
    [{ name: 'x', email: 'a@b.co', weight: -1 }, 'weight'],
    [{ name: 'x', email: 'a@b.co', weight: 1.5 }, 'weight'],
    [{ name: 'x', email: 'a@b.co', max_open_leads: '10' }, 'max_open_leads'],
    [{ name: 'x', email: 'a@b.co', teams: 'sdr' }, 'teams'],
    [{ name: 'x', email: 'a@b.co', teams: ['ok', 'has space'] }, 'teams[1]'],
    [{ name: 'x', email: 'a@b.co', working_hours: { mon: [['9:00', '17:00']] } }, 'working_hours.mon[0][0]'],
    [{ name: 'x', email: 'a@b.co', working_hours: { mon: [['17:00', '09:00']] } }, 'working_hours.mon[0]'],
    [{ name: 'x', email: 'a@b.co', working_hours: { mon: [['09:00', '13:00'], ['12:00', '17:00']] } }, 'working_hours.mon'],
    [{ name: 'x', email: 'a@b.co', working_hours: { monday: [['09:00', '17:00']] } }, 'working_hours.monday'],
    [{ name: 'x', email: 'a@b.co', out_of_office: [{ start: '2026-12-27T00:00:00Z', end: '2026-12-24T00:00:00Z' }] }, 'out_of_office[0].end'],
    [{ name: 'x', email: 'a@b.co', out_of_office: [{ start: 'christmas', end: '2026-12-24T00:00:00Z' }] }, 'out_of_office[0].start'],
    [{ name: 'x', email: 'a@b.co', manager_id: 'rep_0000000000000000000000' }, 'manager_id'],
    [{ name: 'x', email: 'a@b.co', manager_id: 'bob' }, 'manager_id'],
    [{ name: 'x', email: 'a@b.co', open_leads: 3 }, 'open_leads'],
  ])('refuses %j with 422 pointing at %s', async (body, path) => {
    const res = await post(body);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('VALIDATION_ERROR');
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
  });

  it('refuses a rep as its own manager', async () => {
    const r = await post({ name: 'Self', email: 'self@company.com' });
    const res = await suite.api.http.patch(`/v1/reps/${r.body.id}`).set(suite.org.auth).send({ manager_id: r.body.id });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].path).toBe('manager_id');
  });
});

describe('reps across organizations', () => {
  it("answers 404 for another organization's rep, for every verb", async () => {
    const other = await newOrg(suite.api.deps.db);
    const theirs = await post({ name: 'Theirs', email: 'theirs@other.com' }, other.auth);
    const id = theirs.body.id;
    for (const res of [
      await suite.api.http.get(`/v1/reps/${id}`).set(suite.org.auth),
      await suite.api.http.patch(`/v1/reps/${id}`).set(suite.org.auth).send({ status: 'AWAY' }),
      await suite.api.http.delete(`/v1/reps/${id}`).set(suite.org.auth),
    ]) {
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
    expect((await suite.api.http.get(`/v1/reps/${id}`).set(other.auth)).body.status).toBe('AVAILABLE');
    const list = await suite.api.http.get('/v1/reps?limit=500').set(suite.org.auth);
    expect(list.body.map((r: { id: string }) => r.id)).not.toContain(id);
  });

  it('answers 404 for an id that cannot exist', async () => {
    expect((await suite.api.http.get('/v1/reps/not-a-rep').set(suite.org.auth)).status).toBe(404);
    expect((await suite.api.http.get('/v1/reps/lead_0000000000000000000000').set(suite.org.auth)).status).toBe(404);
  });
});

describe('listing reps', () => {
  let pageOrg: TestOrg;
  const ids: string[] = [];
  beforeAll(async () => {
    pageOrg = await newOrg(suite.api.deps.db);
    for (let i = 0; i < 7; i++) {
      const r = await post(
        { name: `Rep ${i}`, email: `rep${i}@page.com`, teams: i % 2 ? ['emea'] : ['amer'], status: i < 5 ? 'AVAILABLE' : 'AWAY' },
        pageOrg.auth,
      );
      ids.push(r.body.id);
    }
  });

  it('returns a bare array, pages with a Link header, and visits every rep exactly once', async () => {
    const seen: string[] = [];
    let url: string | null = '/v1/reps?limit=3';
    let pages = 0;
    while (url) {
      const res: any = await suite.api.http.get(url).set(pageOrg.auth);
      expect(res.status).toBe(200);
      expect(Array.isArray(res.body)).toBe(true);
      expect(res.body.length).toBeLessThanOrEqual(3);
      seen.push(...res.body.map((r: { id: string }) => r.id));
      const link: string | undefined = res.headers.link;
      url = link ? /<([^>]+)>; rel="next"/.exec(link)![1]! : null;
      pages++;
    }
    expect(pages).toBe(3);
    expect(seen).toEqual(ids);
  });

  it('filters by status and team', async () => {
    const away = await suite.api.http.get('/v1/reps?status=AWAY').set(pageOrg.auth);
    expect(away.body.map((r: { id: string }) => r.id)).toEqual(ids.slice(5));
    const emea = await suite.api.http.get('/v1/reps?team=emea').set(pageOrg.auth);
    expect(emea.body.map((r: { id: string }) => r.id)).toEqual([ids[1], ids[3], ids[5]]);
    const both = await suite.api.http.get('/v1/reps?team=emea&status=AVAILABLE').set(pageOrg.auth);
    expect(both.body).toHaveLength(2);
  });

  it.each([
    ['limit=0', 'limit'],
    ['limit=501', 'limit'],
    ['limit=ten', 'limit'],
    ['status=BUSY', 'status'],
    ['status=AWAY&status=OFFLINE', 'status'],
    ['include_inactive=yes', 'include_inactive'],
    ['cursor=zzzz', 'cursor'],
  ])('refuses the query %s with 422 naming %s', async (qs, path) => {
    const res = await suite.api.http.get(`/v1/reps?${qs}`).set(pageOrg.auth);
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].path).toBe(path);
  });
});
