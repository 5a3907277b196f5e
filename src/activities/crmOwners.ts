import { ApplicationFailure } from '@temporalio/activity';
import type { CrmName, CrmOwner } from '../crm/connector';
import { touchConnection } from '../db/crmConnections';
import type { Db } from '../db/knex';
import { repsForCrmSync, setRepCrmIds } from '../db/reps';
import type { OwnerSyncReport } from '../schemas/integrations';
import { asActivityFailure, type CrmAccess } from './crmAccess';

type AccessFor = (orgId: string, crm: CrmName) => Promise<CrmAccess | null>;

export function crmOwnerActivities(db: Db, accessFor: AccessFor) {
  return {
    /**
     * Reads every CRM owner and maps them to reps by email (case-insensitive): a rep whose email is an owner's
     * gets that owner's id (taken from any other rep that had it). Reps set by hand to an owner whose email is
     * nobody's keep it. Idempotent: a second run changes nothing.
     */
    async syncCrmOwners({ orgId, crm }: { orgId: string; crm: CrmName }): Promise<OwnerSyncReport> {
      const access = await accessFor(orgId, crm);
      if (!access) throw ApplicationFailure.nonRetryable(`${crm} is not connected`, 'CrmNotConnected');
      const owners: CrmOwner[] = [];
      try {
        for await (const page of access.connector.owners()) owners.push(...page);
      } catch (err) {
        throw asActivityFailure(err);
      }
      const byEmail = new Map(owners.filter((o) => o.email).map((o) => [o.email!.toLowerCase(), o]));
      const reps = await repsForCrmSync(db, orgId);
      const pairs = reps.flatMap((r) => {
        const owner = byEmail.get(r.email.toLowerCase());
        return owner ? [{ repId: r.id, crmId: owner.id }] : [];
      });
      const changed = await db.transaction(async (trx) => {
        const n = await setRepCrmIds(trx, orgId, 'hubspot_owner_id', pairs);
        await touchConnection(trx, orgId, crm, 'last_owner_sync_at');
        return n;
      });
      const after = await repsForCrmSync(db, orgId);
      const held = new Set(after.flatMap((r) => (r.crm?.hubspot_owner_id ? [r.crm.hubspot_owner_id] : [])));
      return {
        mapped: after.filter((r) => r.crm?.hubspot_owner_id).length,
        changed,
        unmapped_reps: after.filter((r) => !r.crm?.hubspot_owner_id).map((r) => ({ id: r.id, name: r.name, email: r.email })),
        unmapped_owners: owners.filter((o) => !held.has(o.id)).map((o) => ({ id: o.id, email: o.email, name: o.name })),
        synced_at: new Date().toISOString(),
      };
    },
  };
}
export type CrmOwnerActivities = ReturnType<typeof crmOwnerActivities>;
