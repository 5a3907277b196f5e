import { z } from 'zod';
import type { CrmConnector, CrmRecord } from '../connector';
import type { CrmRequester } from '../http';
import type { OutboundResponse } from '../../net/outbound';
import { BatchReadResponse, COMPANY_PROPERTY, HUBSPOT_PATHS, OWNER_PROPERTY, OwnersPage, TokenResponse, type BatchReadRequest, type ObjectUpdate } from './contract';
import { COMPANY_OWNER_ATTRIBUTE } from './leads';

/** HubSpot's batch endpoints take at most 100 ids. */
const BATCH = 100;
const Updated = z.object({ id: z.string() });

/**
 * HubSpot through its documented REST endpoints. Not through @hubspot/api-client: see the README's HubSpot
 * section (it is 50 MB of generated code for five calls, and its transport bypasses the outbound guard's
 * lookup unless given an agent); the calls it would make are these, and contract.ts is their shape.
 */
export function hubspotConnector(request: CrmRequester): CrmConnector {
  async function batchRead(path: string, ids: readonly string[], properties: readonly string[], what: string): Promise<Map<string, CrmRecord>> {
    const found = new Map<string, CrmRecord>();
    const unique = [...new Set(ids)];
    for (let i = 0; i < unique.length; i += BATCH) {
      const body: BatchReadRequest = { properties: [...properties], inputs: unique.slice(i, i + BATCH).map((id) => ({ id })) };
      const { body: answer } = await request({ method: 'POST', path, json: body }, BatchReadResponse, what);
      for (const r of answer.results) if (!r.archived) found.set(r.id, { id: r.id, properties: r.properties });
    }
    return found;
  }

  const readCompanies = (ids: readonly string[], properties: readonly string[]) => batchRead(HUBSPOT_PATHS.companiesBatchRead, ids, properties, 'reading HubSpot companies');
  return {
    crm: 'hubspot',
    async *owners() {
      let after: string | undefined;
      do {
        const { body } = await request({ method: 'GET', path: HUBSPOT_PATHS.owners, query: { limit: '100', archived: 'false', after } }, OwnersPage, 'reading HubSpot owners');
        yield body.results
          .filter((o) => !o.archived)
          .map((o) => ({ id: o.id, email: o.email ?? null, name: [o.firstName, o.lastName].filter(Boolean).join(' ') || (o.email ?? o.id) }));
        after = body.paging?.next?.after;
      } while (after);
    },
    readPeople: (ids, properties) => batchRead(HUBSPOT_PATHS.contactsBatchRead, ids, properties, 'reading HubSpot contacts'),
    readCompanies,
    // A contact without an owner of its own may be claimed by its primary company's owner.
    async ownerHints(contacts) {
      const hints = new Map<string, Record<string, string>>();
      const wanted = [...contacts.values()].filter((c) => !c.properties[OWNER_PROPERTY] && c.properties[COMPANY_PROPERTY]);
      if (!wanted.length) return hints;
      const companies = await readCompanies(wanted.map((c) => c.properties[COMPANY_PROPERTY]!), [OWNER_PROPERTY]);
      for (const c of wanted) {
        const owner = companies.get(c.properties[COMPANY_PROPERTY]!)?.properties[OWNER_PROPERTY];
        if (owner) hints.set(c.id, { [COMPANY_OWNER_ATTRIBUTE]: owner });
      }
      return hints;
    },
    async writeOwner(personId, ownerId, extra) {
      const body: ObjectUpdate = { properties: { ...extra, [OWNER_PROPERTY]: ownerId } };
      await request({ method: 'PATCH', path: HUBSPOT_PATHS.contact(personId), json: body }, Updated, `writing the owner of HubSpot contact ${personId}`);
    },
  };
}

/** A new access token from an OAuth refresh token (POST /oauth/v1/token, form-encoded). */
export async function refreshHubSpotToken(request: CrmRequester, o: { clientId: string; clientSecret: string; refreshToken: string }): Promise<{ accessToken: string; expiresAt: Date }> {
  const form = { grant_type: 'refresh_token', client_id: o.clientId, client_secret: o.clientSecret, refresh_token: o.refreshToken };
  const { body } = await request({ method: 'POST', path: HUBSPOT_PATHS.token, form, auth: false }, TokenResponse, 'refreshing the HubSpot access token');
  return { accessToken: body.access_token, expiresAt: new Date(Date.now() + body.expires_in * 1000) };
}

/** After a 429 without Retry-After: HubSpot names its window (X-HubSpot-RateLimit-Interval-Milliseconds). */
export function hubspotRetryAfter(res: OutboundResponse): number | null {
  const interval = Number(res.headers['x-hubspot-ratelimit-interval-milliseconds']);
  return Number.isFinite(interval) && interval > 0 ? Math.min(interval, 60_000) : null;
}
