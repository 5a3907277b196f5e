import type { Db } from '../db/knex';
import * as q from '../db/intelligence';
import type { Summary, Timeseries, TimeseriesQuery, WindowQuery } from '../schemas/intelligence';

const DAY = 86_400_000;

function window(orgId: string, query: { from?: string; to?: string; team?: string }, now: number): q.Window {
  const to = query.to ? new Date(query.to) : new Date(now);
  const from = query.from ? new Date(query.from) : new Date(to.getTime() - 7 * DAY);
  return { orgId, from, to, team: query.team };
}

/** The value at percentile `p` (0-1) of a log-scale histogram: the geometric middle of the bucket it falls in. */
export function percentile(h: q.Histogram, p: number): number | null {
  const buckets = [...h].sort((a, b) => a.bucket - b.bucket);
  const total = buckets.reduce((s, b) => s + b.n, 0);
  if (!total) return null;
  const rank = Math.max(1, Math.ceil(p * total));
  let seen = 0;
  for (const b of buckets) {
    seen += b.n;
    if (seen >= rank) return Math.round(Math.exp((b.bucket + 0.5) / q.BUCKETS_PER_E) - 1);
  }
  return null;
}

const rate = (met: number, breached: number) => (met + breached ? Math.round((met / (met + breached)) * 10_000) / 10_000 : null);

export async function summary(db: Db, orgId: string, query: WindowQuery, now = Date.now()): Promise<Summary> {
  const w = window(orgId, query, now);
  const [totals, hist, perRep, assignments, breaches, rules, reps, byTeamRep] = await Promise.all([
    q.leadTotals(db, w),
    q.durationHistograms(db, w),
    q.perRepLeads(db, w),
    q.assignmentsByRep(db, w),
    q.breachesByRep(db, w),
    q.ruleMatches(db, w),
    q.activeReps(db, orgId, w.team),
    q.leadsByTeamRep(db, w),
  ]);
  const activities = await q.activityOutcomes(db, w, w.team ? reps.map((r) => r.id) : null);
  const leadStats = new Map(perRep.map((r) => [r.rep_id, r]));
  const teams = w.team ? [w.team] : [...new Set(reps.flatMap((r) => r.teams))].sort();
  return {
    from: w.from.toISOString(),
    to: w.to.toISOString(),
    team: w.team ?? null,
    leads: { received: totals.received, assigned: totals.assigned, unassigned: totals.unassigned, contacted: totals.contacted, closed: totals.closed },
    time_to_assignment_ms: { p50: percentile(hist.assign, 0.5), p90: percentile(hist.assign, 0.9) },
    time_to_first_touch_ms: { p50: percentile(hist.touch, 0.5), p90: percentile(hist.touch, 0.9) },
    sla: { met: totals.met, breached: totals.breached, pending: totals.pending, rate: rate(totals.met, totals.breached) },
    reassignments: totals.reassignments,
    reps: reps.map((r) => ({
      rep_id: r.id,
      name: r.name,
      assigned: assignments.get(r.id) ?? 0,
      contacted: leadStats.get(r.id)?.contacted ?? 0,
      breached: breaches.get(r.id) ?? 0,
      median_first_touch_ms: percentile(hist.touchByRep.get(r.id) ?? [], 0.5),
      open_leads: r.open_leads,
    })),
    rules: rules.map((r) => ({ rule_id: r.rule_id, matches: r.matches, share: totals.received ? Math.round((r.matches / totals.received) * 10_000) / 10_000 : 0 })),
    activities,
    fairness: teams.map((team) => {
      const members = reps.filter((r) => r.teams.includes(team));
      const counts = members.map((m) => byTeamRep.find((x) => x.team === team && x.rep_id === m.id)?.n ?? 0);
      const max = counts.length ? Math.max(...counts) : 0;
      const min = counts.length ? Math.min(...counts) : 0;
      return { team, max, min, ratio: min > 0 ? Math.round((max / min) * 100) / 100 : null };
    }),
  };
}

export async function timeseries(db: Db, orgId: string, query: TimeseriesQuery, now = Date.now()): Promise<Timeseries> {
  const w = window(orgId, query, now);
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
        value = r ? r[query.metric] : 0;
        break;
      case 'sla_rate':
        value = r ? rate(r.met, r.breached) : null;
        break;
      default:
        value = percentile(histograms?.get(t) ?? [], 0.5);
    }
    points.push({ at: new Date(t).toISOString(), value });
  }
  return { metric: query.metric, interval: query.interval, points };
}
