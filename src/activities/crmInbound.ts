import type { CrmModel, CrmName, CrmRecord, LeadFromCrm } from '../crm/connector';
import { crmModel } from '../crm/models';
import { finishCrmEvents, pendingCrmEvents, type CrmEventOutcome, type CrmEventRow } from '../db/crmEvents';
import type { Db } from '../db/knex';
import { findActiveRuleset } from '../db/rulesets';
import { fieldsRead } from '../routing';
import { asActivityFailure, type CrmAccess } from './crmAccess';

/**
 * Where leads from a CRM go in: the lead services, as POST and PATCH /v1/leads would take them. The worker
 * provides it (the services are above the activities), so a CRM lead is validated, deduplicated and routed
 * exactly like any other.
 */
export interface CrmLeadSink {
  /** Takes the lead in (one lead per external_id, however often asked) without waiting for its routing. */
  create(orgId: string, lead: LeadFromCrm): Promise<{ leadId: string; duplicate: boolean } | { invalid: string }>;
  /** Changes the lead with this external_id, re-routing it as its rule says; `key` makes a retry harmless. */
  update(orgId: string, externalId: string, lead: Omit<LeadFromCrm, 'email' | 'external_id'>, key: string): Promise<{ leadId: string } | { missing: true } | { invalid: string }>;
}

type AccessFor = (orgId: string, crm: CrmName) => Promise<CrmAccess | null>;

interface Batch {
  model: CrmModel;
  people: Map<string, CrmRecord>;
  hints: Map<string, Record<string, string>>;
  fields: string[];
}

async function one(sink: CrmLeadSink, access: CrmAccess, e: CrmEventRow, b: Batch): Promise<CrmEventOutcome> {
  const ignored = (note: string): CrmEventOutcome => ({ id: e.id, status: 'IGNORED', note });
  if (e.kind === 'created' && !access.connection.options.create_leads) return ignored('create_leads is off');
  if (e.kind === 'changed' && !b.model.fieldMatters(e.property ?? '', b.fields)) return ignored(`no rule reads ${e.property}`);
  const person = b.people.get(e.object_id);
  if (!person) return ignored(`the ${b.model.crm} record is not there (deleted or merged)`);
  const lead = b.model.leadOf(person, b.hints.get(person.id) ?? {}, access.connection.options.field_map);
  if ('ignored' in lead) return ignored(lead.ignored);
  if (e.kind === 'created') {
    const r = await sink.create(e.org_id, lead);
    return 'invalid' in r ? ignored(r.invalid) : { id: e.id, status: 'DONE', lead_id: r.leadId, note: r.duplicate ? 'the lead existed already' : null };
  }
  // The owners stay as the lead came in: Routeswit writes the owner, and its own write is no news.
  const { email: _email, external_id: _id, ...data } = lead;
  const attributes = Object.fromEntries(Object.entries(data.attributes).filter(([k]) => !b.model.ownerAttributes.includes(k)));
  const r = await sink.update(e.org_id, b.model.externalIdOf(person.id), { ...data, attributes }, `${e.crm}:${e.event_key}`);
  if ('missing' in r) return ignored(`no lead came from this ${b.model.crm} record`);
  return 'invalid' in r ? ignored(r.invalid) : { id: e.id, status: 'DONE', lead_id: r.leadId };
}

export function crmInboundActivities(db: Db, accessFor: AccessFor, sink: CrmLeadSink | undefined) {
  return {
    /**
     * A batch of CRM events (a webhook's, an outbound message's, a poll's): the people read in one request per
     * 100, each creation made a lead and each change of a field the rules read made a lead update. Retried while the CRM is away; an event done is
     * not done again.
     */
    async ingestCrmBatch({ batchId }: { batchId: string }): Promise<{ done: number; ignored: number }> {
      if (!sink) throw new Error('this worker has no lead services for CRM events');
      const events = await pendingCrmEvents(db, batchId);
      const outcomes: CrmEventOutcome[] = [];
      for (const orgId of new Set(events.map((e) => e.org_id))) {
        const mine = events.filter((e) => e.org_id === orgId);
        const access = await accessFor(orgId, mine[0]!.crm);
        if (!access) {
          outcomes.push(...mine.map((e) => ({ id: e.id, status: 'IGNORED' as const, note: `${e.crm} is no longer connected` })));
          continue;
        }
        const ruleset = await findActiveRuleset(db, orgId);
        const fields = ruleset ? fieldsRead(ruleset.definition) : [];
        const model = crmModel(access.connector.crm);
        try {
          const people = await access.connector.readPeople([...new Set(mine.map((e) => e.object_id))], model.personFields(fields, access.connection.options.field_map));
          const hints = await access.connector.ownerHints(people);
          for (const e of mine) outcomes.push(await one(sink, access, e, { model, people, hints, fields }));
        } catch (err) {
          await finishCrmEvents(db, outcomes);
          throw asActivityFailure(err);
        }
      }
      await finishCrmEvents(db, outcomes);
      return { done: outcomes.filter((o) => o.status === 'DONE').length, ignored: outcomes.filter((o) => o.status === 'IGNORED').length };
    },

    /** The batch could not be taken in within its retries: its events are FAILED, with why. */
    async crmBatchFailed({ batchId, reason }: { batchId: string; reason: string }): Promise<void> {
      const events = await pendingCrmEvents(db, batchId);
      await finishCrmEvents(db, events.map((e) => ({ id: e.id, status: 'FAILED', note: reason })));
    },
  };
}
export type CrmInboundActivities = ReturnType<typeof crmInboundActivities>;
