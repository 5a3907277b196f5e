import { ApplicationFailure } from '@temporalio/activity';
import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import { ownerInfo } from '../db/contacts';
import * as leads from '../db/leads';
import { loadSelectionContext, repSourceFor, savePool } from '../db/routingState';
import { eligibilityChangeAt, selectRep, slaDeadline, type RepClock } from '../routing';
import type { Action, MatchSource, RulesetDefinition, RuleTrace, Sla, Stage } from '../routing/schema';
import type { LeadSnapshot, LeadStatus, UnassignedReason } from '../workflows/messages';

export interface RoutingContext {
  status: LeadStatus;
  lead: Record<string, unknown>;
  ruleset: { id: string; version: number | null; definition: RulesetDefinition } | null;
  /** For a lead already past ROUTING: its state rebuilt from the database, for a new workflow run to adopt. */
  recovered: LeadSnapshot | null;
}

export type AssignReason = 'ROUTED' | 'RETRY' | 'SLA_REASSIGN' | 'MANUAL_REASSIGN' | 'REP_UNAVAILABLE';

export interface AssignRequest {
  orgId: string;
  leadId: string;
  /** The workflow's attempt number: the assignment row and timeline steps are keyed by it. */
  attempt: number;
  reason: AssignReason;
  /** The workflow's clock: the assignment is made at this time or later (see assignLead). */
  now: number;
  action: Action | null;
  match: { ruleset_id: string | null; ruleset_version: number | null; rule_id: string | null; source: MatchSource; trace: RuleTrace[] };
  sla: Sla | null;
  exclude: string[];
  /** When nobody is eligible: UNASSIGN leaves the lead waiting; KEEP leaves it with its current rep. */
  onNoRep: 'UNASSIGN' | 'KEEP';
  countsAsReassignment: boolean;
}

export interface AssignResult {
  repId: string | null;
  assignedAt: number | null;
  repClock: RepClock | null;
  slaDueAt: number | null;
  stages: Stage[];
  /** When nobody was eligible: the earliest moment the passage of time may change that. */
  retryAt: number | null;
  unassignedReason: UnassignedReason | null;
  /** Ruled out at the source: the lead was closed before this attempt ran. */
  closed: boolean;
}

/** How lead statistics name the ruleset's fallback, which has no rule id. */
export const FALLBACK_RULE = '(fallback)';

const ROUTING_FIELDS = ['email', 'first_name', 'last_name', 'company', 'domain', 'country', 'state', 'source', 'score', 'employees', 'industry', 'external_id'] as const;

const EVENT_FOR: Record<AssignReason, string> = {
  ROUTED: 'ASSIGNED',
  RETRY: 'ASSIGNED',
  SLA_REASSIGN: 'REASSIGNED',
  MANUAL_REASSIGN: 'REASSIGNED',
  REP_UNAVAILABLE: 'REASSIGNED',
};

async function lockedLead(trx: Knex.Transaction, orgId: string, leadId: string): Promise<leads.LeadRow> {
  const lead = await trx<leads.LeadRow>('leads').where({ org_id: orgId, id: leadId }).forUpdate().first();
  if (!lead) throw ApplicationFailure.nonRetryable(`lead ${leadId} not found`, 'LeadNotFound');
  return lead;
}

/**
 * A retried attempt returns what the first one decided, read back from what it wrote. One query in the usual
 * case, where there is nothing to replay.
 */
async function replay(trx: Knex.Transaction, req: AssignRequest, lead: leads.LeadRow): Promise<AssignResult | null> {
  const { rows } = await trx.raw<{ rows: Array<{ rep_id: string | null; assigned_at: Date | null; no_rep: { result: AssignResult } | null }> }>(
    `SELECT (SELECT rep_id FROM assignments WHERE lead_id = :lead AND seq = :seq) AS rep_id,
            (SELECT assigned_at FROM assignments WHERE lead_id = :lead AND seq = :seq) AS assigned_at,
            (SELECT data FROM events WHERE lead_id = :lead AND step_key = :noRep) AS no_rep`,
    { lead: req.leadId, seq: req.attempt, noRep: `attempt:${req.attempt}:no-rep` },
  );
  const found = rows[0]!;
  if (found.no_rep) return found.no_rep.result;
  if (!found.rep_id) return null;
  const rep = await trx('reps').where({ id: found.rep_id }).first('timezone', 'working_hours');
  return {
    repId: found.rep_id,
    assignedAt: found.assigned_at!.getTime(),
    repClock: { timezone: rep.timezone, working_hours: rep.working_hours },
    slaDueAt: lead.assigned_rep_id === found.rep_id && lead.sla_due_at ? lead.sla_due_at.getTime() : null,
    stages: lead.routing?.explanation.stages ?? [],
    retryAt: null,
    unassignedReason: null,
    closed: false,
  };
}

/** Rebuilds a routed lead's workflow state from what its earlier runs wrote. */
async function recoverState(db: Db, lead: leads.LeadRow): Promise<LeadSnapshot> {
  const assignments = await leads.leadAssignments(db, lead.id);
  const keys: Array<{ step_key: string }> = await db('events').where({ lead_id: lead.id }).select('step_key');
  const attempts = keys.map((k) => Number(/^attempt:(\d+):/.exec(k.step_key)?.[1] ?? 0));
  const rep = lead.assigned_rep_id ? await db('reps').where({ id: lead.assigned_rep_id }).first('timezone', 'working_hours') : null;
  const breached = await leads.findEvent(db, lead.id, `attempt:${assignments.at(-1)?.seq ?? 0}:breach`);
  return {
    status: lead.status,
    repId: lead.assigned_rep_id,
    unassignedReason: lead.unassigned_reason,
    attempt: Math.max(0, ...attempts, ...assignments.map((a) => a.seq)),
    reassignments: lead.reassignment_count,
    previousReps: [...new Set(assignments.map((a) => a.rep_id))],
    sla: lead.sla,
    slaDueAt: lead.sla_due_at ? lead.sla_due_at.getTime() : null,
    repClock: rep ? { timezone: rep.timezone, working_hours: rep.working_hours } : null,
    // Escalation steps already taken are not repeated: their events are keyed, so a re-run writes nothing.
    escalationsDone: 0,
    breached: Boolean(breached),
    firstTouchAt: lead.first_touch_at ? lead.first_touch_at.getTime() : null,
    retryAt: null,
    assignedAt: lead.assigned_at ? lead.assigned_at.getTime() : null,
    routing: lead.routing,
  };
}

/** Tells waiting leads that a rep has capacity again; see services/leadSignals. */
export interface Notifier {
  repFreed(orgId: string, repId: string): Promise<void>;
}

export function routingActivities(db: Db, notify: Notifier) {
  return {
    /** The lead as the rules see it, and the organization's active ruleset. */
    async loadRoutingContext({ orgId, leadId }: { orgId: string; leadId: string }): Promise<RoutingContext> {
      const lead = await leads.findLead(db, orgId, leadId);
      if (!lead) throw ApplicationFailure.nonRetryable(`lead ${leadId} not found`, 'LeadNotFound');
      const rs = await db('rulesets').where({ org_id: orgId, status: 'ACTIVE' }).first('id', 'version', 'definition');
      const fields: Record<string, unknown> = { attributes: lead.attributes };
      for (const f of ROUTING_FIELDS) fields[f] = lead[f];
      return {
        status: lead.status,
        lead: fields,
        ruleset: rs ? { id: rs.id, version: rs.version, definition: rs.definition } : null,
        recovered: lead.status === 'ROUTING' ? null : await recoverState(db, lead),
      };
    },

    /**
     * Picks the rep and records the assignment in one transaction: the lead, the pool and every candidate rep
     * are row-locked, so concurrent leads into one pool take turns exactly and never overfill a rep.
     */
    async assignLead(req: AssignRequest): Promise<AssignResult> {
      let freed: string | null = null;
      const result = await db.transaction(async (trx): Promise<AssignResult> => {
        const lead = await lockedLead(trx, req.orgId, req.leadId);
        const replayed = await replay(trx, req, lead);
        if (replayed) return replayed;
        if (lead.status === 'CLOSED') return { repId: null, assignedAt: null, repClock: null, slaDueAt: null, stages: [], retryAt: null, unassignedReason: null, closed: true };

        // An assignment cannot precede the decision to make it: real time, unless the workflow's clock is ahead
        // (time-skipping tests), in which case the workflow's time. Eligibility, caps and deadlines all use it.
        const at = new Date(Math.max(req.now, Date.now()));
        let selection = null;
        let ctx = null;
        if (req.action) {
          const owner = req.action.strategy === 'OWNER' || req.action.fallback?.strategy === 'OWNER' ? await ownerInfo(trx, req.orgId, lead.email) : undefined;
          ctx = await loadSelectionContext(trx, req.orgId, req.action, { now: at.getTime(), lock: true, owner, exclude: req.exclude });
          selection = selectRep(req.action, ctx);
        }
        const stages = selection?.stages ?? [];
        const routing: leads.LeadRouting = {
          ruleset_id: req.match.ruleset_id,
          ruleset_version: req.match.ruleset_version,
          rule_id: req.match.rule_id,
          strategy: req.action?.strategy ?? null,
          explanation: { rules: req.match.trace, source: req.match.source, stages },
        };

        if (selection?.rep_id && ctx) {
          const rep = ctx.reps[selection.rep_id]!;
          for (const [key, pool] of Object.entries(selection.pool_updates)) await savePool(trx, req.orgId, key, pool);
          const previous = await leads.endOpenAssignment(trx, req.leadId, 'REASSIGNED', at);
          freed = previous;
          await leads.startAssignment(
            trx,
            { org_id: req.orgId, lead_id: req.leadId, rep_id: rep.id, seq: req.attempt, reason: req.reason, rule_id: req.match.rule_id, strategy: req.action!.strategy, assigned_at: at },
            rep.timezone,
          );
          const touched = lead.first_touch_at !== null;
          // Reported under the team whose pool it came from (else the rep's first team), and the rule that sent it.
          const stage = selection.stages.find((st) => st.rep_id === rep.id)!;
          const team = stage.pool_key.startsWith('team:') ? stage.pool_key.slice(5) : (rep.teams[0] ?? null);
          const slaDueAt = req.sla && !touched ? slaDeadline(at.getTime(), req.sla, rep) : null;
          await trx('leads')
            .where({ id: req.leadId })
            .update({
              status: touched ? 'CONTACTED' : 'ASSIGNED',
              assigned_rep_id: rep.id,
              unassigned_reason: null,
              unassigned_since: null,
              waiting_teams: null,
              waiting_rep_ids: null,
              routing: JSON.stringify(routing),
              sla: req.sla ? JSON.stringify(req.sla) : null,
              sla_due_at: slaDueAt ? new Date(slaDueAt) : null,
              assigned_at: at,
              team,
              rule_id: req.match.rule_id ?? (req.match.source === 'FALLBACK' ? FALLBACK_RULE : null),
              reassignment_count: trx.raw('reassignment_count + ?', [req.countsAsReassignment ? 1 : 0]),
              updated_at: at,
            });
          if (req.attempt === 1) {
            await leads.insertEvent(trx, { org_id: req.orgId, lead_id: req.leadId, type: 'ROUTED', step_key: 'routed', occurred_at: at, data: { rule_id: req.match.rule_id, source: req.match.source, strategy: req.action!.strategy, ruleset_id: req.match.ruleset_id, ruleset_version: req.match.ruleset_version } });
          }
          await leads.insertEvent(trx, {
            org_id: req.orgId,
            lead_id: req.leadId,
            type: EVENT_FOR[req.reason],
            step_key: `attempt:${req.attempt}:assigned`,
            rep_id: rep.id,
            occurred_at: at,
            data: { reason: req.reason, previous_rep_id: previous, rule_id: req.match.rule_id, strategy: req.action!.strategy, sla_due_at: slaDueAt ? new Date(slaDueAt).toISOString() : null },
          });
          return { repId: rep.id, assignedAt: at.getTime(), repClock: { timezone: rep.timezone, working_hours: rep.working_hours }, slaDueAt, stages, retryAt: null, unassignedReason: null, closed: false };
        }

        const unassignedReason: UnassignedReason = req.action ? 'NO_ELIGIBLE_REP' : 'NO_RULE_MATCHED';
        const retryAt = selection && ctx ? eligibilityChangeAt(selection, ctx) : null;
        const result: AssignResult = { repId: null, assignedAt: null, repClock: null, slaDueAt: null, stages, retryAt, unassignedReason, closed: false };
        if (req.onNoRep === 'KEEP') return result;
        const source = req.action ? repSourceFor(req.action, ctx?.owner) : { teams: [], ids: [] };
        const previous = await leads.endOpenAssignment(trx, req.leadId, 'UNASSIGNED', at);
        freed = previous;
        await trx('leads')
          .where({ id: req.leadId })
          .update({
            status: 'UNASSIGNED',
            unassigned_since: trx.raw("CASE WHEN status = 'UNASSIGNED' THEN unassigned_since ELSE ?::timestamptz END", [at]),
            assigned_rep_id: null,
            unassigned_reason: unassignedReason,
            waiting_teams: source.teams,
            waiting_rep_ids: source.ids,
            routing: JSON.stringify(routing),
            sla_due_at: null,
            updated_at: at,
          });
        if (req.attempt === 1) {
          await leads.insertEvent(trx, { org_id: req.orgId, lead_id: req.leadId, type: 'ROUTED', step_key: 'routed', occurred_at: at, data: { rule_id: req.match.rule_id, source: req.match.source, strategy: req.action?.strategy ?? null } });
        }
        await leads.insertEvent(trx, {
          org_id: req.orgId,
          lead_id: req.leadId,
          type: 'UNASSIGNED',
          step_key: `attempt:${req.attempt}:no-rep`,
          occurred_at: at,
          data: { reason: unassignedReason, previous_rep_id: previous, retry_at: retryAt ? new Date(retryAt).toISOString() : null, result },
        });
        return result;
      });
      // The previous rep has room again: leads waiting for that room are nudged (after commit).
      if (freed) await notify.repFreed(req.orgId, freed);
      return result;
    },
  };
}
export type RoutingActivities = ReturnType<typeof routingActivities>;
