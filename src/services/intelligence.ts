import type { Db } from '../db/knex';
import type { ServiceDeps } from './deps';
import * as q from '../db/intelligence';
import { BUCKETS_PER_E, REP_BUCKETS_PER_E, watermarks } from '../db/rollups';
import type { Summary, Timeseries, TimeseriesQuery, WindowQuery } from '../schemas/intelligence';

const DAY = 86_400_000;

async function window(db: Db, orgId: string, query: { from?: string; to?: string; team?: string }, now: number): Promise<q.Window> {
  const to = query.to ? new Date(query.to) : new Date(now);
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - 7 * DAY);
  return { orgId, from, to, team: query.team, watermarks: await watermarks(db) };
}

/** The value at percentile `p` (0-1) of a log-scale histogram: the geometric middle of the bucket it falls in. */
export function percentile(h: q.Histogram, p: number, perE = BUCKETS_PER_E): number | null {
  const buckets = [...h].sort((a, b) => a.bucket - b.bucket);
  const total = buckets.reduce((s, b) => s + b.n, 0);
  if (!total) return null;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (const b of buckets) {
    seen += b.n;
    if (seen >= rank) return Math.round(Math.exp((b.bucket + 0.5) / perE) - 1);
  }
  return null;
}

const rate = (met: number, breached: number) => (met + breached ? Math.round((met / (met + breached)) * 10_000) / 10_000 : null);

export async function summary(deps: Pick<ServiceDeps, 'db'>, orgId: string, query: WindowQuery, now = Date.now()): Promise<Summary> {
  const { db } = deps;
  const w = await window(db, orgId, query, now);
  const [counts, assignHist, touchHist, touchByRep, breaches, rules, assignments, reps] = await Promise.all([
    q.leadCounts(db, w),
    q.durationHistogram(db, w, 'assign'),
    q.durationHistogram(db, w, 'touch'),
    q.touchHistogramsByRep(db, w),
    q.breachesByRep(db, w),
    q.ruleMatches(db, w),
    q.assignmentsByRep(db, w),
    q.activeReps(db, orgId, w.team),
  ]);
  const activities = await q.activityOutcomes(db, w, w.team ? reps.map((r) => r.id) : null);
  const total = (c: keyof Omit<q.LeadCounts, 'team' | 'rep_id'>) => counts.reduce((sum, r) => sum + r[c], 0);
  // One pass over the counts for the per-rep and per-team figures, instead of a scan per rep.
  const contactedByRep = new Map<string, number>();
  const receivedByTeamRep = new Map<string, number>();
  for (const c of counts) {
    contactedByRep.set(c.rep_id, (contactedByRep.get(c.rep_id) ?? 0) + c.contacted);
    receivedByTeamRep.set(`${c.team}/${c.rep_id}`, (receivedByTeamRep.get(`${c.team}/${c.rep_id}`) ?? 0) + c.received);
  }
  const received = total('received');
  const teams = w.team ? [w.team] : [...new Set(reps.flatMap((r) => r.teams))].sort();
  return {
    from: w.from.toISOString(),
    to: w.to.toISOString(),
    team: w.team ?? null,
    leads: { received, assigned: total('assigned'), unassigned: total('unassigned'), contacted: total('contacted'), closed: total('closed') },
    time_to_assignment_ms: { p50: percentile(assignHist, 0.5), p90: percentile(assignHist, 0.9) },
    time_to_first_touch_ms: { p50: percentile(touchHist, 0.5), p90: percentile(touchHist, 0.9) },
    sla: { met: total('met'), breached: total('breached'), pending: total('pending'), rate: rate(total('met'), total('breached')) },
    reassignments: total('reassignments'),
    reps: reps.map((r) => ({
      rep_id: r.id,
      name: r.name,
      assigned: assignments.get(r.id) ?? 0,
      contacted: contactedByRep.get(r.id) ?? 0,
      breached: breaches.get(r.id) ?? 0,
      median_first_touch_ms: percentile(touchByRep.get(r.id) ?? [], 0.5, REP_BUCKETS_PER_E),
      open_leads: r.open_leads,
    })),
    rules: [...rules]
      .filter(([ruleId]) => ruleId !== '')
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([rule_id, matches]) => ({ rule_id, matches, share: received ? Math.round((matches / received) * 10_000) / 10_000 : 0 })),
    activities: activities.map((a) => ({ type: a.type, outcome: a.outcome || null, count: a.count })),
    fairness: teams.map((team) => {
      const members = reps.filter((r) => r.teams.includes(team));
      const perRep = members.map((m) => receivedByTeamRep.get(`${team}/${m.id}`) ?? 0);
      const max = perRep.length ? Math.max(...perRep) : 0;
      const min = perRep.length ? Math.min(...perRep) : 0;
      return { team, max, min, ratio: min > 0 ? Math.round((max / min) * 100) / 100 : null };
    }),
  };
}

export async function timeseries(deps: Pick<ServiceDeps, 'db'>, orgId: string, query: TimeseriesQuery, now = Date.now()): Promise<Timeseries> {
  const { db } = deps;
  const w = await window(db, orgId, query, now);
  const step = query.interval === 'day' ? DAY : 3_600_000;
  if ((w.to.getTime() - w.from.getTime()) / step > 5000) {
    // Guard against a window that would produce an enormous series.
    w.from = new Date(w.to.getTime() - 5000 * step);
  }
  const counts = new Map((await q.bucketCounts(db, w, query.interval)).map((r) => [new Date(r.at).getTime(), r]));
  const durationMetric = query.metric === 'time_to_assignment_p50' ? 'assign' : query.metric === 'time_to_first_touch_p50' ? 'touch' : null;
  const histograms = durationMetric ? await q.bucketHistograms(db, w, query.interval, durationMetric) : null;
  const start = Math.floor(w.from.getTime() / step) * step;
  const points: Timeseries['points'] = [];
  for (let t = start; t < w.to.getTime(); t += step) {
    const r = counts.get(t);
    let value: number | null;
    switch (query.metric) {
      case 'received':
      case 'assigned':
      case 'contacted':
      case 'breached':
        value = r ? Number(r[query.metric]) : 0;
        break;
      case 'sla_rate':
        value = r ? rate(Number(r.met), Number(r.breached)) : null;
        break;
      default:
        value = percentile(histograms?.get(t) ?? [], 0.5);
    }
    points.push({ at: new Date(t).toISOString(), value });
  }
  return { metric: query.metric, interval: query.interval, points };
}
