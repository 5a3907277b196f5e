import { createDb } from '../../src/db/knex';
import { createOrg } from '../../src/db/orgs';
import { createKey } from '../../src/services/apiKeys';
import { bigRules } from './bigRuleset';

/** A realistic customer: 20 reps in three teams and a 30-rule ruleset using every strategy but DIRECT. */
export const TEAMS = { 'emea-ae': 6, 'amer-ae': 7, sdr: 7 } as const;

const EMEA = ['DE', 'FR', 'GB', 'NL', 'SE', 'ES', 'IT', 'PL', 'CH', 'AT'];
const AMER = ['US', 'CA', 'MX', 'BR', 'AR'];
const OTHER = ['JP', 'IN', 'AU', 'SG', 'ZA'];
const SOURCES = ['website', 'webinar', 'g2', 'partner', 'event', 'ads', 'referral', 'content'];
const INDUSTRIES = ['software', 'fintech', 'retail', 'manufacturing', 'healthcare', 'education', 'media', 'logistics'];
const SEGMENTS = ['smb', 'mid-market', 'enterprise'];

export function ruleset(sla: { first_touch_minutes: number; escalations?: unknown[] }) {
  const rules: object[] = [];
  const rr = (team: string) => ({ strategy: team === 'amer-ae' ? 'WEIGHTED' : team === 'sdr' ? 'LOAD_BALANCED' : 'ROUND_ROBIN', team, sla });
  // Named accounts and partners first, as real rulesets do.
  for (const [i, domain] of ['bigbank.com', 'megacorp.com', 'globex.com', 'initech.com', 'umbrella.com'].entries()) {
    rules.push({ id: `named-${i}`, when: { field: 'domain', op: 'eq', value: domain }, then: rr(i % 2 ? 'amer-ae' : 'emea-ae') });
  }
  rules.push({ id: 'partner', when: { all: [{ field: 'source', op: 'eq', value: 'partner' }, { field: 'score', op: 'gte', value: 80 }] }, then: rr('amer-ae') });
  rules.push({ id: 'freemail', when: { field: 'email', op: 'matches', value: '@(gmail|yahoo|hotmail)\\.com$' }, then: rr('sdr') });
  rules.push({ id: 'students', when: { any: [{ field: 'email', op: 'ends_with', value: '.edu' }, { field: 'industry', op: 'eq', value: 'education' }] }, then: rr('sdr') });
  for (const [i, ind] of INDUSTRIES.slice(0, 6).entries()) {
    rules.push({
      id: `ent-${ind}`,
      when: { all: [{ field: 'industry', op: 'eq', value: ind }, { field: 'employees', op: 'gte', value: 5000 }, { field: 'country', op: 'in', value: i % 2 ? AMER : EMEA }] },
      then: rr(i % 2 ? 'amer-ae' : 'emea-ae'),
    });
  }
  for (const seg of SEGMENTS) {
    rules.push({ id: `emea-${seg}`, when: { all: [{ field: 'country', op: 'in', value: EMEA }, { field: 'attributes.segment', op: 'eq', value: seg }, { field: 'employees', op: 'gte', value: 200 }] }, then: rr('emea-ae') });
    rules.push({ id: `amer-${seg}`, when: { all: [{ field: 'country', op: 'in', value: AMER }, { field: 'attributes.segment', op: 'eq', value: seg }, { field: 'employees', op: 'gte', value: 200 }] }, then: rr('amer-ae') });
  }
  for (const src of ['webinar', 'event', 'g2', 'content']) {
    rules.push({ id: `src-${src}`, when: { all: [{ field: 'source', op: 'eq', value: src }, { field: 'score', op: 'gte', value: 50 }] }, then: rr('sdr') });
  }
  rules.push({ id: 'high-score', when: { field: 'score', op: 'gte', value: 90 }, then: rr('amer-ae') });
  rules.push({ id: 'emea-rest', when: { field: 'country', op: 'in', value: EMEA }, then: rr('emea-ae') });
  rules.push({ id: 'amer-rest', when: { field: 'country', op: 'in', value: AMER }, then: rr('amer-ae') });
  rules.push({ id: 'apac', when: { field: 'country', op: 'in', value: OTHER }, then: rr('sdr') });
  while (rules.length < 30) rules.push({ id: `spare-${rules.length}`, when: { field: 'attributes.campaign', op: 'eq', value: `c-${rules.length}` }, then: rr('sdr') });
  return { name: 'Benchmark inbound', rules: rules.slice(0, 30), fallback: { strategy: 'LOAD_BALANCED', team: 'sdr' }, sla };
}

let seed = 7;
function rand(): number {
  seed = (seed * 1103515245 + 12345) & 0x7fffffff;
  return seed / 0x7fffffff;
}
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;

export function lead(i: number, runId: string) {
  const country = pick([...EMEA, ...AMER, ...OTHER]);
  const freemail = rand() < 0.1;
  return {
    email: freemail ? `person${i}.${runId}@gmail.com` : `person${i}.${runId}@company${i % 500}.com`,
    first_name: 'Bench',
    last_name: `Lead ${i}`,
    company: `Company ${i % 500}`,
    country,
    source: pick(SOURCES),
    industry: pick(INDUSTRIES),
    employees: Math.floor(rand() ** 2 * 20000),
    score: Math.floor(rand() * 100),
    external_id: `bench-${runId}-${i}`,
    attributes: { segment: pick(SEGMENTS) },
  };
}

export interface Org {
  orgId: string;
  key: string;
  reps: Record<string, string[]>;
}

export async function api(baseUrl: string, key: string, method: string, path: string, body?: unknown): Promise<any> {
  const res = await fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
  return json;
}

/** The same teams behind a large ruleset (bench/lib/bigRuleset.ts): the reachable rules come last. */
export function bigRuleset(count: number, sla: { first_touch_minutes: number }) {
  const teams = Object.keys(TEAMS);
  return { name: `Benchmark ${count} rules`, rules: bigRules(count, (i) => teams[i % teams.length]!, { sla }), fallback: { strategy: 'LOAD_BALANCED', team: 'sdr' }, sla };
}

/** An organization with its key (made in the database directly), reps and a published ruleset (via the API). */
export async function createOrgWithTeams(
  databaseUrl: string,
  baseUrl: string,
  name: string,
  sla: { first_touch_minutes: number; escalations?: unknown[] },
  definition: object = ruleset(sla),
): Promise<Org> {
  const db = createDb(databaseUrl, 2);
  let orgId: string;
  let key: string;
  try {
    orgId = (await createOrg(db, name)).id;
    key = (await createKey({ db }, orgId, { name: 'benchmark' })).secret;
  } finally {
    await db.destroy();
  }
  const reps: Record<string, string[]> = {};
  await Promise.all(
    Object.entries(TEAMS).map(async ([team, count]) => {
      const created = await Promise.all(
        Array.from({ length: count }, (_, i) => api(baseUrl, key, 'POST', '/v1/reps', { name: `${team} ${i}`, email: `${team}.${i}@bench.example`, teams: [team], weight: 1 + (i % 3) })),
      );
      reps[team] = created.map((r) => r.id as string).sort();
    }),
  );
  const rs = await api(baseUrl, key, 'POST', '/v1/rules', definition);
  await api(baseUrl, key, 'POST', `/v1/rules/${rs.id}/publish`);
  return { orgId, key, reps };
}
