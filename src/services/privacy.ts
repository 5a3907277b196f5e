import { erasePerson, findErasure, insertErasure, type ErasureRow } from '../db/erasure';
import { notFound } from '../errors';
import { newId } from '../ids';
import { workflowIdFor } from '../lead/model';
import { crmWriteWorkflowId } from '../lead/messages';
import { CRMS } from '../crm/connector';
import type { Erasure, ErasureRequest } from '../schemas/privacy';
import type { ServiceDeps } from './deps';

/**
 * Forgetting a person (GDPR article 17, CCPA): every lead and contact with their email is redacted in
 * Postgres in one transaction, and their Temporal workflow executions (the lead's, and its CRM writes') are
 * deleted, which removes their histories — encrypted payloads included — from Temporal. Deleting rather than
 * crypto-shredding: the histories are the only copy of nothing Routeswit needs once the lead is redacted,
 * and deletion needs no per-person key kept forever. Asking again finds nothing left and erases nothing.
 */
const present = (r: ErasureRow): Erasure => ({
  id: r.id,
  status: r.status,
  counts: r.counts as Erasure['counts'],
  created_at: r.created_at.toISOString(),
  finished_at: r.finished_at ? r.finished_at.toISOString() : null,
});

const isNotFound = (err: unknown) => (err as { code?: number }).code === 5 || /not found/i.test((err as Error).message);

/**
 * Asks Temporal to delete the execution, whether it still runs (it is terminated first) or is closed; Temporal
 * removes it asynchronously (a closed one within about half a minute). Returns whether there was one.
 */
async function deleteExecution(deps: Pick<ServiceDeps, 'temporal'>, workflowId: string): Promise<boolean> {
  try {
    await deps.temporal.client.workflowService.deleteWorkflowExecution({ namespace: deps.temporal.namespace, workflowExecution: { workflowId } });
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

export async function erase(deps: Pick<ServiceDeps, 'db' | 'temporal'>, orgId: string, input: ErasureRequest, actor: { keyId: string | null; userId: string | null }): Promise<Erasure> {
  const erased = await erasePerson(deps.db, orgId, input.email);
  let workflows = 0;
  for (const leadId of erased.leadIds) {
    for (const id of [workflowIdFor(leadId), ...CRMS.map((crm) => crmWriteWorkflowId(crm, leadId))]) if (await deleteExecution(deps, id)) workflows++;
  }
  const { leadIds: _ids, closed: _closed, ...counts } = erased;
  const row = await insertErasure(deps.db, { id: newId('erasure'), org_id: orgId, counts: { ...counts, workflows }, actor_key_id: actor.userId ? null : actor.keyId, actor_user_id: actor.userId });
  return present(row);
}

export async function getErasure(deps: Pick<ServiceDeps, 'db'>, orgId: string, id: string): Promise<Erasure> {
  const row = await findErasure(deps.db, orgId, id);
  if (!row) throw notFound('Erasure');
  return present(row);
}
