import { slaEvents } from '../metrics/metrics';
import type { Knex } from 'knex';
import { endOpenAssignment } from '../db/assignments';
import { markFirstTouch } from '../db/contacts';
import type { Db } from '../db/knex';
import * as leads from '../db/leads';
import { managerOf } from '../db/reps';
import { insertEvent } from '../db/timeline';
import type { RecordedEvent } from '../lead/machine';
import type { UnassignedReason } from '../lead/model';
import { notBefore } from './clock';
import { queueNotifications, type NotifyDeps } from './notify';

/** Escalation steps that tell someone. */
const NOTIFIES: Partial<Record<RecordedEvent, 'REMINDER' | 'ESCALATION'>> = { REMINDED: 'REMINDER', ESCALATED: 'ESCALATION' };

/**
 * What the event says beyond the workflow's data: a reminder and an escalation name the missed deadline, and
 * an escalation the manager told (null: the organization's escalation contacts were).
 */
async function eventData(trx: Knex.Transaction, e: { orgId: string; leadId: string; type: RecordedEvent; repId: string | null; data: Record<string, unknown> }): Promise<Record<string, unknown>> {
  if (e.type !== 'REMINDED' && e.type !== 'ESCALATED') return e.data;
  const lead = await leads.findLead(trx, e.orgId, e.leadId);
  const due = { sla_due_at: lead?.sla_due_at?.toISOString() ?? null };
  return e.type === 'ESCALATED' ? { ...e.data, ...due, manager_id: e.repId ? await managerOf(trx, e.repId) : null } : { ...e.data, ...due };
}

/**
 * The lead's other steps. Each writes its timeline event under a step key, so a retry writes nothing twice,
 * and changes the lead only from the state it expects.
 */
export function lifecycleActivities(deps: { db: Db; notify: NotifyDeps }) {
  const { db } = deps;

  /**
   * Ends the lead's assignment in one locked transaction; `write` records what ended it. Leads waiting for the
   * freed rep are woken after commit (a wake request the worker's dispatcher sends).
   */
  async function endLead(orgId: string, leadId: string, write: (trx: Knex.Transaction, rep: string | null) => Promise<void>, reason: 'UNASSIGNED' | 'CLOSED', at: Date): Promise<void> {
    await db.transaction(async (trx) => {
      const lead = await leads.lockLead(trx, orgId, leadId);
      if (!lead || lead.status === 'CLOSED') return;
      const rep = await endOpenAssignment(trx, orgId, leadId, reason, at);
      await write(trx, rep);
    });
  }

  return {
    /** A timeline event (a breach, a reminder, an escalation, an alert); webhooks deliver from it. */
    async recordEvent(e: { orgId: string; leadId: string; type: RecordedEvent; stepKey: string; at: number; repId: string | null; data: Record<string, unknown> }): Promise<void> {
      const at = notBefore(e.at);
      const recorded = await db.transaction(async (trx) => {
        const data = await eventData(trx, e);
        const eventId = await insertEvent(trx, { org_id: e.orgId, lead_id: e.leadId, type: e.type, step_key: e.stepKey, rep_id: e.repId, occurred_at: at, data });
        if (!eventId) return false;
        if (e.type === 'SLA_BREACHED') await leads.markBreached(trx, e.leadId, at, e.repId);
        const kind = NOTIFIES[e.type];
        if (kind) await queueNotifications(trx, deps.notify, { kind, orgId: e.orgId, leadId: e.leadId, eventId, stepKey: e.stepKey, repId: e.repId, at });
        return true;
      });
      // Once, however often the activity is retried: a retry finds the event and records nothing.
      if (recorded) slaEvents.inc({ event: e.type, step: typeof e.data.action === 'string' ? e.data.action : 'none' });
    },

    /** The SLA clock stops: status CONTACTED, first_touch_at set, the activity marked as the first touch. */
    async recordFirstTouch(t: { orgId: string; leadId: string; repId: string; activityId: string; occurredAt: string; at: number }): Promise<void> {
      const at = notBefore(t.at);
      await db.transaction(async (trx) => {
        if (!(await leads.markContacted(trx, t.orgId, t.leadId, t.repId, at))) return;
        await markFirstTouch(trx, t.orgId, t.activityId, t.leadId);
        await insertEvent(trx, {
          org_id: t.orgId,
          lead_id: t.leadId,
          type: 'CONTACTED',
          step_key: 'contacted',
          rep_id: t.repId,
          occurred_at: at,
          data: { activity_id: t.activityId, activity_occurred_at: t.occurredAt },
        });
      });
    },

    /** Takes the lead off its rep. With `alert`, an ALERT event tells a human that routing gave up. */
    async unassignLead(u: { orgId: string; leadId: string; attempt: number; reason: UnassignedReason; alert: boolean; at: number }): Promise<void> {
      const at = notBefore(u.at);
      await endLead(
        u.orgId,
        u.leadId,
        async (trx, rep) => {
          await leads.markUnassigned(trx, u.leadId, { reason: u.reason, waitingTeams: null, waitingRepIds: null, at });
          await insertEvent(trx, { org_id: u.orgId, lead_id: u.leadId, type: 'UNASSIGNED', step_key: `attempt:${u.attempt}:unassigned`, rep_id: rep, occurred_at: at, data: { reason: u.reason } });
          if (!u.alert) return;
          const message = 'Routing gave up on this lead; assign it by hand (POST /v1/leads/:id/reassign) or close it.';
          const stepKey = `attempt:${u.attempt}:alert`;
          const eventId = await insertEvent(trx, { org_id: u.orgId, lead_id: u.leadId, type: 'ALERT', step_key: stepKey, occurred_at: at, data: { reason: u.reason, message } });
          if (eventId) await queueNotifications(trx, deps.notify, { kind: 'GIVEN_UP', orgId: u.orgId, leadId: u.leadId, eventId, stepKey, repId: rep, at });
        },
        'UNASSIGNED',
        at,
      );
    },

    async closeLead(c: { orgId: string; leadId: string; reason: string; at: number }): Promise<void> {
      const at = notBefore(c.at);
      await endLead(
        c.orgId,
        c.leadId,
        async (trx, rep) => {
          await leads.markClosed(trx, c.leadId, c.reason, at);
          await insertEvent(trx, { org_id: c.orgId, lead_id: c.leadId, type: 'CLOSED', step_key: 'closed', rep_id: rep, occurred_at: at, data: { reason: c.reason } });
        },
        'CLOSED',
        at,
      );
    },
  };
}
export type LifecycleActivities = ReturnType<typeof lifecycleActivities>;
