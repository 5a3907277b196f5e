import { CRM_OWNER_WORDS, CRM_TITLES, REP_CRM_KEYS, type CrmName } from '../crm/connector';
import { crmModel } from '../crm/models';
import { routingReasonLine } from '../crm/reason';
import { claimLatestCrmWrite, countCrmAttempt, findCrmWrite, finishCrmWrite, type CrmWriteRow } from '../db/crmWrites';
import type { Db } from '../db/knex';
import { findLead } from '../db/leads';
import { insertAlert, insertAlertOnce } from '../db/monitors';
import { outboxAttempts } from '../metrics/metrics';
import { findRep } from '../db/reps';
import { insertEvent } from '../db/timeline';
import { enqueueDeliveries } from '../db/webhooks';
import { newId } from '../ids';
import { asActivityFailure, failureOf, type CrmAccess } from './crmAccess';
import { CrmHttpError } from '../crm/connector';

/**
 * Owners written back to the CRM, one lead at a time (workflows/crm.ts): the lead's newest assignment is
 * written, older ones are superseded, and each outcome lands on the lead's timeline as CRM_SYNCED,
 * CRM_SYNC_SKIPPED or CRM_SYNC_FAILED.
 */
type AccessFor = (orgId: string, crm: CrmName) => Promise<CrmAccess | null>;

const stepOf = (w: CrmWriteRow) => `crm:${w.crm}:${w.id}`;

async function skip(db: Db, w: CrmWriteRow, reason: string): Promise<'SKIPPED'> {
  await db.transaction(async (trx) => {
    if (!(await finishCrmWrite(trx, w.id, { status: 'SKIPPED', error: reason }))) return;
    await insertEvent(trx, { org_id: w.org_id, lead_id: w.lead_id, type: 'CRM_SYNC_SKIPPED', step_key: stepOf(w), rep_id: w.rep_id, occurred_at: new Date(), data: { crm: w.crm, object_id: w.object_id, reason } });
  });
  return 'SKIPPED';
}

/** The CRM's daily API allocation is spent: one alert while it lasts (every waiting lead hits it), to webhooks too. */
async function allocationSpent(db: Db, w: CrmWriteRow, err: CrmHttpError): Promise<void> {
  const at = new Date();
  const alertId = newId('alert');
  const pause = Math.round((err.retryAfterMs ?? 0) / 60_000);
  const message = `${CRM_TITLES[w.crm]} refused requests: the org's daily API allocation is spent (${err.message}). Owner writes wait and are retried in ${pause} minutes.`.slice(0, 1000);
  await db.transaction(async (trx) => {
    if (!(await insertAlertOnce(trx, { id: alertId, org_id: w.org_id, monitor_id: null, kind: 'CRM_LIMIT_EXCEEDED', message, value: null, threshold: null, raised_at: at }, Math.max(err.retryAfterMs ?? 0, 60_000)))) return;
    await enqueueDeliveries(trx, w.org_id, 'alert.raised', alertId, { alert_id: alertId, kind: 'CRM_LIMIT_EXCEEDED', message, crm: w.crm }, at);
  });
}

export function crmWriteActivities(db: Db, accessFor: AccessFor) {
  return {
    /** The lead's newest pending owner write (older ones superseded), or null when none waits. */
    async claimCrmWrite({ leadId, crm }: { leadId: string; crm: CrmName }): Promise<string | null> {
      return (await claimLatestCrmWrite(db, leadId, crm))?.id ?? null;
    },

    /**
     * Writes the assigned rep's CRM id as the record's owner (with the routing reason when configured). Retried by
     * Temporal while the CRM is down or rate-limits; a refusal it cannot change fails at once.
     */
    async writeCrmOwner({ writeId }: { writeId: string }): Promise<'SYNCED' | 'SKIPPED' | 'DONE'> {
      const w = await findCrmWrite(db, writeId);
      if (!w || w.status !== 'PENDING') return 'DONE';
      const access = await accessFor(w.org_id, w.crm);
      if (!access) return skip(db, w, `${w.crm} is no longer connected`);
      const { options } = access.connection;
      if (!options.write_owner) return skip(db, w, 'write_owner is off');
      const [lead, rep] = await Promise.all([findLead(db, w.org_id, w.lead_id), findRep(db, w.org_id, w.rep_id)]);
      const key = REP_CRM_KEYS[w.crm];
      const ownerId = rep?.crm?.[key];
      if (!lead || !rep) return skip(db, w, 'the lead or its rep no longer exists');
      if (!ownerId) return skip(db, w, `rep ${rep.name} has no ${CRM_OWNER_WORDS[w.crm]}: run the owner sync, or set crm.${key} on the rep`);
      const intake = crmModel(w.crm).ownerAtIntake(lead.attributes);
      if (!options.overwrite_owner && intake && intake !== ownerId) return skip(db, w, `the ${CRM_TITLES[w.crm]} record had owner ${intake} when it came in, and overwrite_owner is off`);
      const extra = options.routing_reason_property ? { [options.routing_reason_property]: routingReasonLine(lead.routing, rep.name, w.created_at) } : {};
      try {
        await access.connector.writeOwner(w.object_id, ownerId, extra);
      } catch (err) {
        const f = failureOf(err);
        await countCrmAttempt(db, w.id, f.status, f.message);
        outboxAttempts.inc({ outbox: 'crm_writes', result: 'failed' });
        if (err instanceof CrmHttpError && err.category === 'REQUEST_LIMIT_EXCEEDED') await allocationSpent(db, w, err);
        throw asActivityFailure(err);
      }
      await db.transaction(async (trx) => {
        if (!(await finishCrmWrite(trx, w.id, { status: 'SYNCED', owner_id: ownerId, http_status: 200 }))) return;
        outboxAttempts.inc({ outbox: 'crm_writes', result: 'ok' });
        await insertEvent(trx, { org_id: w.org_id, lead_id: w.lead_id, type: 'CRM_SYNCED', step_key: stepOf(w), rep_id: w.rep_id, occurred_at: new Date(), data: { crm: w.crm, object_id: w.object_id, owner_id: ownerId } });
      });
      return 'SYNCED';
    },

    /** The write failed for good: FAILED, on the timeline, an alert, and crm.sync_failed to webhooks. */
    async crmWriteFailed({ writeId, status, reason }: { writeId: string; status: number | null; reason: string }): Promise<void> {
      await db.transaction(async (trx) => {
        const w = await findCrmWrite(trx, writeId);
        if (!w) return;
        // A retry budget that ran out says only "timed out": the last attempt's own error says why.
        const why = /timed? ?out|timeout/i.test(reason) && w.error ? `${w.error} (gave up after ${w.attempts} attempts)` : reason;
        const code = status ?? w.http_status;
        if (!(await finishCrmWrite(trx, w.id, { status: 'FAILED', http_status: code, error: why }))) return;
        outboxAttempts.inc({ outbox: 'crm_writes', result: 'gave_up' });
        const at = new Date();
        await insertEvent(trx, { org_id: w.org_id, lead_id: w.lead_id, type: 'CRM_SYNC_FAILED', step_key: stepOf(w), rep_id: w.rep_id, occurred_at: at, data: { crm: w.crm, object_id: w.object_id, status: code, reason: why } });
        const alertId = newId('alert');
        const message = `The owner of ${CRM_TITLES[w.crm]} record ${w.object_id} (lead ${w.lead_id}) could not be written: ${why}`.slice(0, 1000);
        await insertAlert(trx, { id: alertId, org_id: w.org_id, monitor_id: null, kind: 'CRM_SYNC_FAILED', message, value: w.attempts, threshold: null, raised_at: at });
        const data = { crm: w.crm, lead_id: w.lead_id, object_id: w.object_id, rep_id: w.rep_id, status: code, reason: why };
        await enqueueDeliveries(trx, w.org_id, 'crm.sync_failed', w.id, data, at);
        await enqueueDeliveries(trx, w.org_id, 'alert.raised', alertId, { alert_id: alertId, kind: 'CRM_SYNC_FAILED', message, ...data }, at);
      });
    },
  };
}
export type CrmWriteActivities = ReturnType<typeof crmWriteActivities>;
