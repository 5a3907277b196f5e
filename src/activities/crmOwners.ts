import { ApplicationFailure } from '@temporalio/activity';
import { REP_CRM_KEYS, type CrmName, type CrmOwner } from '../crm/connector';
import { touchConnection } from '../db/crmConnections';
import type { Db } from '../db/knex';
import { clearRepCrmIds, repsForCrmSync, setRepCrmIds } from '../db/reps';
import type { OwnerSyncReport } from '../schemas/integrations';
import { asActivityFailure, type CrmAccess } from './crmAccess';

type AccessFor = (orgId: string, crm: CrmName) => Promise<CrmAccess | null>;

export function crmOwnerActivities(db: Db, accessFor: AccessFor) {
  return {
    /**
     * Reads every CRM owner and maps them to reps by email (case-insensitive): a rep whose email is an owner's
     * gets that owner's id (taken from any other rep that had it). Reps set by hand to an owner whose email is
     * nobody's keep it; an id that is no active owner any more (a deactivated Salesforce user) is taken off its
     * rep, so it is never written as an owner, and reported. Idempotent: a second run changes nothing.
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
      const key = REP_CRM_KEYS[crm];
      const byEmail = new Map(owners.filter((o) => o.email).map((o) => [o.email!.toLowerCase(), o]));
      const active = new Set(owners.map((o) => o.id));
      const reps = await repsForCrmSync(db, orgId);
      const gone = reps.filter((r) => r.crm?.[key] && !active.has(r.crm[key]!)).map((r) => ({ rep_id: r.id, owner_id: r.crm[key]! }));
      const pairs = reps.flatMap((r) => {
        const owner = byEmail.get(r.email.toLowerCase());
        return owner ? [{ repId: r.id, crmId: owner.id }] : [];
      });
      const changed = await db.transaction(async (trx) => {
        const n = (await setRepCrmIds(trx, orgId, key, pairs)) + (await clearRepCrmIds(trx, orgId, key, gone.map((g) => g.rep_id)));
        await touchConnection(trx, orgId, crm, 'last_owner_sync_at');
        return n;
      });
      const after = await repsForCrmSync(db, orgId);
      const held = new Set(after.flatMap((r) => (r.crm?.[key] ? [r.crm[key]!] : [])));
      return {
        mapped: after.filter((r) => r.crm?.[key]).length,
        changed,
        unmapped_reps: after.filter((r) => !r.crm?.[key]).map((r) => ({ id: r.id, name: r.name, email: r.email })),
        inactive_owners: gone,
        unmapped_owners: owners.filter((o) => !held.has(o.id)).map((o) => ({ id: o.id, email: o.email, name: o.name })),
        synced_at: new Date().toISOString(),
      };
    },
  };
}
export type CrmOwnerActivities = ReturnType<typeof crmOwnerActivities>;
