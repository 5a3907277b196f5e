import type { CrmName, PollCursor, PollMark } from '../crm/connector';
import { savePollCursor, touchConnection } from '../db/crmConnections';
import { insertCrmEvents, type NewCrmEvent } from '../db/crmEvents';
import type { Db } from '../db/knex';
import { newId } from '../ids';
import { asActivityFailure, type CrmAccess } from './crmAccess';

type AccessFor = (orgId: string, crm: CrmName) => Promise<CrmAccess | null>;

/** The same event keys as the other intakes use: a Lead both polled and sent by outbound message is one lead. */
const eventOf = (orgId: string, kind: 'created' | 'modified', r: PollMark): NewCrmEvent =>
  kind === 'created'
    ? { org_id: orgId, event_key: `lead-created:${r.id.slice(0, 15)}`, kind: 'created', object_id: r.id, property: null }
    : { org_id: orgId, event_key: `lead-modified:${r.id.slice(0, 15)}:${r.at}`, kind: 'changed', object_id: r.id, property: '*' };

export function crmPollActivities(db: Db, accessFor: AccessFor, taskQueue: string) {
  return {
    /**
     * One poll of a CRM that is polled (Salesforce with intake polling): the records created, then modified,
     * after the stored cursor, each page stored as events and the cursor moved past it in one transaction, so a
     * poll cut short (a crash, an outage) loses nothing and takes nothing twice. A first poll starts from when
     * the connection began polling.
     */
    async pollCrm({ orgId, crm }: { orgId: string; crm: CrmName }): Promise<{ created: number; modified: number }> {
      const access = await accessFor(orgId, crm);
      if (!access?.connector.changedSince) return { created: 0, modified: 0 };
      const start: PollMark = { at: access.connection.created_at.toISOString(), id: '' };
      const cursor: PollCursor = { created: start, modified: start, ...access.connection.poll_cursor };
      const taken = { created: 0, modified: 0 };
      try {
        for await (const page of access.connector.changedSince(cursor)) {
          const last = page.records.at(-1);
          if (!last) continue;
          const events = page.records.map((r) => eventOf(orgId, page.kind, r));
          await db.transaction(async (trx) => {
            taken[page.kind] += await insertCrmEvents(trx, crm, taskQueue, newId('crmBatch'), events);
            cursor[page.kind] = last;
            await savePollCursor(trx, orgId, crm, cursor);
          });
        }
      } catch (err) {
        throw asActivityFailure(err);
      }
      await touchConnection(db, orgId, crm, 'last_poll_at');
      return taken;
    },
  };
}
export type CrmPollActivities = ReturnType<typeof crmPollActivities>;
