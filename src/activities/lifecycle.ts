import type { Db } from '../db/knex';
import * as leads from '../db/leads';
import type { UnassignedReason } from '../workflows/messages';
import type { Notifier } from './routing';

export type TimelineType = 'SLA_BREACHED' | 'REMINDED' | 'ESCALATED' | 'ALERT';

/** The later of the workflow's clock and real time: see assignLead. */
const when = (workflowNow: number) => new Date(Math.max(workflowNow, Date.now()));

/**
 * The lead's other steps. Each writes its timeline event under a step key, so a retry writes nothing twice,
 * and changes the lead only from the state it expects.
 */
export function lifecycleActivities(db: Db, notify: Notifier) {
  return {
    /** A timeline event is also the notification record (webhooks deliver from it). */
    async recordEvent(e: { orgId: string; leadId: string; type: TimelineType; stepKey: string; at: number; repId?: string | null; data?: object }): Promise<void> {
      let data = e.data ?? {};
      if (e.type === 'ESCALATED' && e.repId) {
        // Escalating means telling the rep's manager: name them on the event.
        const rep = await db('reps').where({ id: e.repId }).first('manager_id');
        data = { ...data, manager_id: rep?.manager_id ?? null };
      }
      const at = when(e.at);
      await db.transaction(async (trx) => {
        const written = await leads.insertEvent(trx, { org_id: e.orgId, lead_id: e.leadId, type: e.type, step_key: e.stepKey, rep_id: e.repId ?? null, occurred_at: at, data });
        // The lead's first breach, for SLA statistics.
        if (written && e.type === 'SLA_BREACHED') {
          await trx('leads').where({ id: e.leadId }).whereNull('breached_at').update({ breached_at: at, breached_rep_id: e.repId ?? null });
        }
      });
    },

    /** The SLA clock stops: status CONTACTED, first_touch_at set, the activity marked as the first touch. */
    async recordFirstTouch(t: { orgId: string; leadId: string; repId: string; activityId: string; occurredAt: string; at: number }): Promise<void> {
      await db.transaction(async (trx) => {
        const updated = await trx('leads')
          .where({ org_id: t.orgId, id: t.leadId, status: 'ASSIGNED', assigned_rep_id: t.repId })
          .update({ status: 'CONTACTED', first_touch_at: when(t.at), sla_due_at: null, updated_at: when(t.at) });
        if (!updated) return;
        await trx('activities').where({ id: t.activityId, org_id: t.orgId }).update({ first_touch: true, lead_id: t.leadId });
        await leads.insertEvent(trx, {
          org_id: t.orgId,
          lead_id: t.leadId,
          type: 'CONTACTED',
          step_key: 'contacted',
          rep_id: t.repId,
          occurred_at: when(t.at),
          data: { activity_id: t.activityId, activity_occurred_at: t.occurredAt },
        });
      });
    },

    /** Takes the lead off its rep. With `alert`, an ALERT event tells a human that routing gave up. */
    async unassignLead(u: { orgId: string; leadId: string; attempt: number; reason: UnassignedReason; alert: boolean; at: number }): Promise<void> {
      const at = when(u.at);
      const freed = await db.transaction(async (trx) => {
        const lead = await trx<leads.LeadRow>('leads').where({ org_id: u.orgId, id: u.leadId }).forUpdate().first();
        if (!lead || lead.status === 'CLOSED') return null;
        const rep = await leads.endOpenAssignment(trx, u.leadId, 'UNASSIGNED', at);
        await trx('leads')
          .where({ id: u.leadId })
          .update({ status: 'UNASSIGNED', unassigned_since: at, assigned_rep_id: null, unassigned_reason: u.reason, waiting_teams: null, waiting_rep_ids: null, sla_due_at: null, updated_at: at });
        await leads.insertEvent(trx, { org_id: u.orgId, lead_id: u.leadId, type: 'UNASSIGNED', step_key: `attempt:${u.attempt}:unassigned`, rep_id: rep, occurred_at: at, data: { reason: u.reason } });
        if (u.alert) {
          await leads.insertEvent(trx, {
            org_id: u.orgId,
            lead_id: u.leadId,
            type: 'ALERT',
            step_key: `attempt:${u.attempt}:alert`,
            occurred_at: at,
            data: { reason: u.reason, message: 'Routing gave up on this lead; assign it by hand (POST /v1/leads/:id/reassign) or close it.' },
          });
        }
        return rep;
      });
      if (freed) await notify.repFreed(u.orgId, freed);
    },

    async closeLead(c: { orgId: string; leadId: string; reason: string; at: number }): Promise<void> {
      const at = when(c.at);
      const freed = await db.transaction(async (trx) => {
        const lead = await trx<leads.LeadRow>('leads').where({ org_id: c.orgId, id: c.leadId }).forUpdate().first();
        if (!lead || lead.status === 'CLOSED') return null;
        const rep = await leads.endOpenAssignment(trx, c.leadId, 'CLOSED', at);
        await trx('leads').where({ id: c.leadId }).update({ status: 'CLOSED', closed_at: at, close_reason: c.reason, sla_due_at: null, waiting_teams: null, waiting_rep_ids: null, updated_at: at });
        await leads.insertEvent(trx, { org_id: c.orgId, lead_id: c.leadId, type: 'CLOSED', step_key: 'closed', rep_id: rep, occurred_at: at, data: { reason: c.reason } });
        return rep;
      });
      if (freed) await notify.repFreed(c.orgId, freed);
    },
  };
}
export type LifecycleActivities = ReturnType<typeof lifecycleActivities>;
