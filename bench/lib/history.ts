import { workflowIdFor } from '../../src/lead/model';
import type { Temporal } from '../../src/temporal/client';
import { drive } from './driver';
import { api, createOrgWithTeams, lead } from './scenario';
import { summarize } from './stats';

export interface HistoryFigures {
  rules: number;
  leads: number;
  events: { p50: number; p99: number; max: number };
  bytes: { p50: number; p99: number; max: number };
}

/**
 * History per lead, as Temporal counts it (events, and bytes as the server stores them), for leads routed by
 * a ruleset of `rules` rules and then touched (a CALL by the assigned rep), which ends their workflow.
 */
export async function historyPerLead(o: { databaseUrl: string; baseUrl: string; temporal: Temporal; rules: number; leads: number; definition: object; run: string }): Promise<HistoryFigures> {
  const org = await createOrgWithTeams(o.databaseUrl, o.baseUrl, `bench history ${o.rules} ${o.run}`, { first_touch_minutes: 600 }, o.definition);
  const ids: string[] = [];
  await drive(`history: ${o.leads} leads routed by ${o.rules} rules, then touched`, o.leads, { concurrency: 8 }, async (i) => {
    const created = await api(o.baseUrl, org.key, 'POST', '/v1/leads?wait_ms=10000', lead(i, `${o.run}h${o.rules}`));
    if (created.status !== 'ASSIGNED') throw new Error(`lead ${created.id} is ${created.status}`);
    await api(o.baseUrl, org.key, 'POST', `/v1/contacts/${created.contact_id}/activities`, { type: 'CALL', rep_id: created.assigned_rep_id });
    ids.push(created.id);
  });
  const events: number[] = [];
  const bytes: number[] = [];
  for (const id of ids) {
    const handle = o.temporal.client.workflow.getHandle(workflowIdFor(id));
    await handle.result();
    const info = (await handle.describe()).raw.workflowExecutionInfo!;
    events.push(Number(info.historyLength));
    bytes.push(Number(info.historySizeBytes));
  }
  const pick = (xs: number[]) => {
    const s = summarize(xs);
    return { p50: s.p50, p99: s.p99, max: s.max };
  };
  return { rules: o.rules, leads: ids.length, events: pick(events), bytes: pick(bytes) };
}
