import { z } from 'zod';
import type { CrmConnector, CrmOwner, CrmRecord, PollMark } from '../connector';
import type { CrmRequester } from '../http';
import type { OutboundResponse } from '../../net/outbound';
import { QueryResult, SALESFORCE_ID, SALESFORCE_PATHS, soqlString, TokenResponse, USER_ID } from './contract';
import { ACCOUNT_OWNER_ATTRIBUTE, CONTACT_OWNER_ATTRIBUTE, domainOfWebsite } from './leads';

/** Ids per SOQL IN (…): well under the 100,000-character query limit, and Salesforce's 2,000-row first page. */
const CHUNK = 200;
const NoContent = z.unknown();
/** Records one poll takes of each kind; the rest wait for the next poll (the cursor moves only as far as what was taken). */
const POLL_LIMIT = 2000;

const text = (v: unknown): string | null => (v === null || v === undefined ? null : typeof v === 'object' ? JSON.stringify(v) : String(v));

export interface SalesforceSession {
  /** The org's API host (the token answer's instance_url), refreshing the token first when there is none. */
  instanceUrl(): Promise<string>;
  apiVersion: string;
}

/** Salesforce through its documented REST endpoints (query and sObject rows), on the instance the token names. */
export function salesforceConnector(request: CrmRequester, session: SalesforceSession): CrmConnector {
  const v = session.apiVersion;

  async function* query(soql: string, what: string): AsyncGenerator<Array<Record<string, unknown>>> {
    const base = await session.instanceUrl();
    let { body } = await request({ method: 'GET', path: `${base}${SALESFORCE_PATHS.query(v)}`, query: { q: soql } }, QueryResult, what);
    yield body.records;
    while (!body.done && body.nextRecordsUrl) {
      ({ body } = await request({ method: 'GET', path: `${base}${body.nextRecordsUrl}` }, QueryResult, what));
      yield body.records;
    }
  }

  async function all(soql: string, what: string): Promise<Array<Record<string, unknown>>> {
    const out: Array<Record<string, unknown>> = [];
    for await (const page of query(soql, what)) out.push(...page);
    return out;
  }

  async function byIds(object: 'Lead' | 'Account', ids: readonly string[], fields: readonly string[], what: string): Promise<Map<string, CrmRecord>> {
    const found = new Map<string, CrmRecord>();
    const valid = [...new Set(ids)].filter((id) => SALESFORCE_ID.test(id));
    const select = [...new Set(['Id', ...fields])].join(', ');
    for (let i = 0; i < valid.length; i += CHUNK) {
      const list = valid.slice(i, i + CHUNK).map(soqlString).join(', ');
      for (const r of await all(`SELECT ${select} FROM ${object} WHERE Id IN (${list})`, what)) {
        const id = String(r.Id);
        found.set(id, { id, properties: Object.fromEntries(Object.entries(r).filter(([k]) => k !== 'attributes').map(([k, x]) => [k, text(x)])) });
        // Ids come back 18 characters long; a 15-character id asked for finds its record too.
        if (id.length === 18) found.set(id.slice(0, 15), found.get(id)!);
      }
    }
    return found;
  }

  return {
    crm: 'salesforce',
    async *owners() {
      for await (const page of query('SELECT Id, Email, Name FROM User WHERE IsActive = true ORDER BY Id', 'reading Salesforce users')) {
        yield page.map((u): CrmOwner => ({ id: String(u.Id), email: text(u.Email), name: text(u.Name) ?? String(u.Id) }));
      }
    },
    readPeople: (ids, fields) => byIds('Lead', ids, fields, 'reading Salesforce leads'),
    readCompanies: (ids, fields) => byIds('Account', ids, fields, 'reading Salesforce accounts'),
    async writeOwner(leadId, ownerId, extra) {
      const base = await session.instanceUrl();
      // Without Sforce-Auto-Assign: FALSE the org's own assignment rules fire on the update and overwrite us.
      await request(
        { method: 'PATCH', path: `${base}${SALESFORCE_PATHS.lead(v, leadId)}`, json: { ...extra, OwnerId: ownerId }, headers: { 'Sforce-Auto-Assign': 'FALSE' } },
        NoContent,
        `writing the owner of Salesforce lead ${leadId}`,
      );
    },
    async *changedSince(cursor) {
      for (const [kind, field] of [['created', 'CreatedDate'], ['modified', 'LastModifiedDate']] as const) {
        for await (const page of query(afterMarkSoql(field, cursor[kind], POLL_LIMIT), `polling Salesforce for ${kind} Leads`)) {
          yield { kind, records: page.map((r) => ({ id: String(r.Id), at: new Date(String(r[field]).replace(/\+0000$/, 'Z')).toISOString() })) };
        }
      }
    },
    /**
     * A Contact, or another open Lead, with the same email claims the lead for its owner; otherwise the Account
     * whose Website is the lead's domain.
     */
    async ownerHints(leads) {
      const hints = new Map<string, Record<string, string>>();
      const byEmail = new Map<string, string[]>();
      for (const l of leads.values()) {
        const email = l.properties.Email?.trim().toLowerCase();
        if (email) byEmail.set(email, [...(byEmail.get(email) ?? []), l.id]);
      }
      const emails = [...byEmail.keys()];
      const ids = [...new Set([...leads.values()].map((l) => l.id))];
      const owners = new Map<string, string>();
      for (let i = 0; i < emails.length; i += CHUNK) {
        const list = emails.slice(i, i + CHUNK).map(soqlString).join(', ');
        for (const c of await all(`SELECT Email, OwnerId FROM Contact WHERE Email IN (${list})`, 'looking up Salesforce contacts')) {
          const e = text(c.Email)?.toLowerCase();
          if (e && !owners.has(e) && USER_ID.test(String(c.OwnerId))) owners.set(e, String(c.OwnerId));
        }
        const others = ids.map(soqlString).join(', ');
        for (const l of await all(`SELECT Email, OwnerId FROM Lead WHERE Email IN (${list}) AND IsConverted = false AND Id NOT IN (${others}) ORDER BY CreatedDate`, 'looking up Salesforce leads')) {
          const e = text(l.Email)?.toLowerCase();
          if (e && !owners.has(e) && USER_ID.test(String(l.OwnerId))) owners.set(e, String(l.OwnerId));
        }
      }
      for (const [email, leadIds] of byEmail) {
        const owner = owners.get(email);
        if (owner) for (const id of leadIds) hints.set(id, { [CONTACT_OWNER_ATTRIBUTE]: owner });
      }
      // The rest by the company's domain: Websites are written every which way, so match on the host.
      const domains = new Map<string, string[]>();
      for (const l of leads.values()) {
        if (hints.has(l.id)) continue;
        const d = domainOfWebsite(l.properties.Website) ?? l.properties.Email?.split('@')[1]?.toLowerCase() ?? null;
        if (d) domains.set(d, [...(domains.get(d) ?? []), l.id]);
      }
      const wanted = [...domains.keys()];
      for (let i = 0; i < wanted.length; i += 50) {
        const likes = wanted.slice(i, i + 50).map((d) => `Website LIKE ${soqlString(`%${d.replace(/[%_]/g, '')}%`)}`).join(' OR ');
        for (const a of await all(`SELECT Website, OwnerId FROM Account WHERE ${likes}`, 'looking up Salesforce accounts')) {
          const d = domainOfWebsite(text(a.Website));
          if (!d || !USER_ID.test(String(a.OwnerId))) continue;
          for (const id of domains.get(d) ?? []) if (!hints.has(id)) hints.set(id, { [ACCOUNT_OWNER_ATTRIBUTE]: String(a.OwnerId) });
        }
      }
      return hints;
    },
  };
}

/** A SOQL datetime literal (unquoted, seconds, UTC) for an ISO time. */
const soqlTime = (iso: string): string => `${new Date(iso).toISOString().slice(0, 19)}Z`;

/**
 * Records after a mark, oldest first: (time, id) strictly greater than the mark's, so a record created in the
 * same second as the last one taken is taken next time, never twice and never lost.
 */
export function afterMarkSoql(field: 'CreatedDate' | 'LastModifiedDate', mark: PollMark, limit: number): string {
  const at = soqlTime(mark.at);
  const tie = mark.id ? ` OR (${field} = ${at} AND Id > ${soqlString(mark.id)})` : '';
  return `SELECT Id, ${field} FROM Lead WHERE (${field} > ${at}${tie}) ORDER BY ${field}, Id LIMIT ${limit}`;
}

/** A new access token and the org's instance URL, from the refresh token (web-server flow). */
export async function refreshSalesforceToken(request: CrmRequester, o: { clientId: string; clientSecret: string; refreshToken: string }): Promise<{ accessToken: string; instanceUrl: string }> {
  const form = { grant_type: 'refresh_token', client_id: o.clientId, client_secret: o.clientSecret, refresh_token: o.refreshToken };
  const { body } = await request({ method: 'POST', path: SALESFORCE_PATHS.token, form, auth: false }, TokenResponse, 'refreshing the Salesforce access token');
  return { accessToken: body.access_token, instanceUrl: body.instance_url.replace(/\/$/, '') };
}

/** REQUEST_LIMIT_EXCEEDED: the org's API allocation for the day is spent (Sforce-Limit-Info says how far). */
export function salesforceExhausted(pauseMs: number) {
  return (res: OutboundResponse): number | null => (res.status === 403 && res.body.includes('REQUEST_LIMIT_EXCEEDED') ? pauseMs : null);
}
