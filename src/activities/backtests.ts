import { Context } from '@temporalio/activity';
import * as store from '../db/backtests';
import { closuresOf } from '../db/calendars';
import type { Db } from '../db/knex';
import { currentListsOf } from '../db/lists';
import { publishedRuleset } from '../db/rulesets';
import { compileRuleset, leadValues } from '../routing';
import { Backtester, type BacktestDecision, type BacktestLead } from '../routing/backtest';
import { backtestReport } from '../routing/backtestReport';
import type { RulesetDefinition, Strategy } from '../routing/schema';
import { crmOwnerMap } from '../db/routingState';
import { crmOwnersOf, ownerIdsOf, type RepCrmKey } from '../crm/owners';

/** Leads decided between two progress reports (and cancellation checks). */
const CHUNK = 2000;

export interface BacktestRequest extends store.BacktestWindow {
  limit: number;
}

const uses = (def: RulesetDefinition, strategy: Strategy) =>
  [...def.rules.map((r) => r.then), ...(def.fallback ? [def.fallback] : [])].some((a) => a.strategy === strategy || a.fallback?.strategy === strategy);

/** CRM_OWNER in a backtest: the owners the leads named, mapped to reps as they are now (like OWNER's). */
async function crmOwnersNow(db: Db, orgId: string, past: readonly store.PastLead[]): Promise<Map<RepCrmKey, Map<string, string>>> {
  const ids = new Map<RepCrmKey, string[]>();
  for (const l of past) for (const [key, list] of ownerIdsOf(l.attributes)) ids.set(key, [...(ids.get(key) ?? []), ...list]);
  return crmOwnerMap(db, orgId, new Map([...ids].map(([k, v]) => [k, [...new Set(v)]])));
}

function pastLead(l: store.PastLead): BacktestLead & { actualSlaMinutes: number | null; contactId: string; accountDomain: string | null; attributes: store.PastLead['attributes'] } {
  return {
    id: l.id,
    receivedAt: l.received_at.getTime(),
    values: leadValues({ ...l, employees: l.employees === null ? null : Number(l.employees) }),
    actual: { repId: l.first_rep_id, ruleId: l.first_rep_id ? l.first_rule_id : l.rule_id },
    releasedAt: l.first_ended_at ? l.first_ended_at.getTime() : null,
    actualSlaMinutes: l.sla_minutes,
    contactId: l.contact_id,
    accountDomain: l.account_domain,
    attributes: l.attributes,
  };
}

export function backtestActivities(deps: { db: Db }) {
  const { db } = deps;
  return {
    /**
     * Loads the window and what was true during it, replays it through the ruleset and stores the report.
     * Heartbeats every chunk of leads: a cancelled backtest stops there and stores nothing.
     */
    async runBacktest({ backtestId }: { backtestId: string }): Promise<{ status: store.BacktestStatus }> {
      const bt = await store.findBacktest(db, null, backtestId);
      if (!bt || bt.status !== 'RUNNING') return { status: bt?.status ?? 'FAILED' };
      const org = bt.org_id;
      const req = bt.request as unknown as BacktestRequest;
      const ruleset = await publishedRuleset(db, bt.ruleset_id);
      if (!ruleset) {
        await store.finishBacktest(db, backtestId, { status: 'FAILED', error: 'the ruleset no longer exists' });
        return { status: 'FAILED' };
      }
      const lists = ruleset.lists ?? (await currentListsOf(db, org, ruleset.definition));
      const compiled = compileRuleset(ruleset.definition, lists);
      const [past, roster, pools, held, before, touches] = await Promise.all([
        store.windowLeads(db, org, req, req.limit),
        store.repHistory(db, org, req.to),
        store.poolsAt(db, org, req.from),
        store.heldAt(db, org, req.from),
        store.assignedJustBefore(db, org, req.from),
        store.touchMinutes(db, org, req.to),
      ]);
      // Calendars are dated, so today's calendars say what was closed then too.
      const closures = await closuresOf(db, org, roster.map((r) => r.rep));
      for (const r of roster) if (closures.has(r.rep.id)) r.rep = { ...r.rep, closures: closures.get(r.rep.id)! };
      const owners = uses(ruleset.definition, 'OWNER') ? await store.ownersNow(db, org) : null;
      const crmOwners = uses(ruleset.definition, 'CRM_OWNER') ? await crmOwnersNow(db, org, past) : null;
      const leads = past.map(pastLead);
      const byId = new Map(leads.map((l) => [l.id, l]));
      const replay = new Backtester({
        ruleset: compiled,
        roster,
        pools,
        heldAtStart: held,
        assignedBefore: before,
        owners:
          owners || crmOwners
            ? (lead) => {
                const l = byId.get(lead.id)!;
                return {
                  contact_owner_id: owners?.contacts.get(l.contactId) ?? null,
                  account_owner_id: l.accountDomain ? (owners?.accounts.get(l.accountDomain) ?? null) : null,
                  domain_owner_ids: [],
                  ...(crmOwners ? { crm_owners: crmOwnersOf(l.attributes, crmOwners) } : {}),
                };
              }
            : undefined,
      });
      const decisions: BacktestDecision[] = [];
      for (let i = 0; i < leads.length; i += CHUNK) {
        for (const lead of leads.slice(i, i + CHUNK)) decisions.push(replay.decide(lead));
        Context.current().heartbeat(decisions.length);
        await store.backtestProgress(db, backtestId, decisions.length);
        if (Context.current().cancellationSignal.aborted) throw Context.current().cancellationSignal.reason;
      }
      const reps: Record<string, { name?: string; teams: string[] }> = {};
      for (const r of roster) reps[r.rep.id] = { name: r.rep.name, teams: r.rep.active ? r.rep.teams : [] };
      const report = backtestReport({ leads, decisions, ruleIds: ruleset.definition.rules.map((r) => r.id), reps, touchMinutes: touches, changesListed: 10_000 });
      await store.finishBacktest(db, backtestId, { status: 'COMPLETED', report, done: decisions.length });
      return { status: 'COMPLETED' };
    },

    /** A backtest that failed for good, or was cancelled, keeps no report. */
    async endBacktest({ backtestId, status, error }: { backtestId: string; status: 'FAILED' | 'CANCELLED'; error: string }): Promise<void> {
      await store.finishBacktest(db, backtestId, { status, error });
    },
  };
}
export type BacktestActivities = ReturnType<typeof backtestActivities>;
