import type { CrmLeadSink } from '../activities/crmInbound';
import { findLeadBy } from '../db/leads';
import { ApiError } from '../errors';
import { LeadInput, LeadPatch } from '../schemas/leads';
import type { ServiceDeps } from '../services/deps';
import { ingestLead } from '../services/leads';
import { updateLead } from '../services/leadUpdates';

/** Why a CRM record makes no lead, as the API would have said it: its first problem. */
function firstProblem(issues: ReadonlyArray<{ path: PropertyKey[]; message: string }>): string {
  const i = issues[0];
  return i ? `${i.path.map(String).join('.') || 'lead'}: ${i.message}` : 'not a valid lead';
}

/**
 * Leads from CRM webhooks go in through the lead services, validated by the API's own schemas: what the API
 * would refuse (422, 409) is the record's problem and recorded as such, anything else is retried.
 */
export function crmLeadSink(deps: ServiceDeps): CrmLeadSink {
  const refused = (err: unknown) => {
    if (err instanceof ApiError && err.status < 500) return { invalid: err.message };
    throw err;
  };
  return {
    async create(orgId, lead) {
      const parsed = LeadInput.safeParse(lead);
      if (!parsed.success) return { invalid: firstProblem(parsed.error.issues) };
      try {
        const r = await ingestLead(deps, orgId, parsed.data, { waitMs: 0 });
        return { leadId: r.id, duplicate: r.duplicate };
      } catch (err) {
        return refused(err);
      }
    },
    async update(orgId, externalId, data, key) {
      const row = await findLeadBy(deps.db, orgId, 'external_id', externalId);
      if (!row) return { missing: true };
      const { source: _source, ...fields } = data;
      const parsed = LeadPatch.safeParse(fields);
      if (!parsed.success) return { invalid: firstProblem(parsed.error.issues) };
      try {
        await updateLead(deps, orgId, row.id, parsed.data, { idempotencyKey: key });
        return { leadId: row.id };
      } catch (err) {
        return refused(err);
      }
    },
  };
}
