import express, { type Response } from 'express';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { ErrorResponse, QueryResult, TokenResponse } from '../../src/crm/salesforce/contract';

/**
 * A fake Salesforce, written from Salesforce's public documentation (REST API Developer Guide, SOQL reference,
 * Outbound Messaging), serving what Routeswit calls (shapes: src/crm/salesforce/contract.ts): the OAuth token
 * endpoint (refresh_token grant, with instance_url), SOQL queries (the subset Routeswit writes: IN, NOT IN, =,
 * LIKE, AND, OR, ORDER BY) paged with nextRecordsUrl, and Lead updates. It behaves as Salesforce does where
 * Routeswit must cope: expired sessions (401 INVALID_SESSION_ID), the daily allocation (403
 * REQUEST_LIMIT_EXCEEDED, Sforce-Limit-Info on every answer), deleted Leads (404 ENTITY_IS_DELETED), owners
 * that are not users (400 INVALID_CROSS_REFERENCE_KEY). It sends outbound messages as Salesforce does (SOAP).
 */
type Row = Record<string, unknown>;
// Salesforce ids grow as records are made (a later record of the same second has a greater id), as here.
const ID_CHARS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
let idCounter = Date.now();
const randomId = (prefix: string) => {
  let n = idCounter++;
  let out = '';
  for (let i = 0; i < 12; i++, n = Math.floor(n / 62)) out = ID_CHARS[n % 62] + out;
  return `${prefix}${out}AAA`;
};

const FIELDS: Record<string, string[]> = {
  User: ['Id', 'Email', 'Name', 'IsActive'],
  Lead: ['Id', 'Email', 'FirstName', 'LastName', 'Company', 'Website', 'Country', 'State', 'LeadSource', 'Industry', 'NumberOfEmployees', 'OwnerId', 'IsConverted', 'CreatedDate', 'LastModifiedDate', 'Title', 'Rating', 'Status', 'Routeswit_Reason__c', 'Segment__c', 'Billing_Country__c'],
  Contact: ['Id', 'Email', 'OwnerId', 'AccountId'],
  Account: ['Id', 'Name', 'Website', 'OwnerId'],
};

export { sfTime };

export interface LoggedRequest {
  at: number;
  method: string;
  path: string;
  status: number;
  soql?: string;
}

function newOrgData() {
  return {
    organizationId: randomId('00D').slice(0, 18),
    clientId: `3MVG9${randomBytes(10).toString('hex')}`,
    clientSecret: `secret-${randomBytes(16).toString('hex')}`,
    refreshToken: `5Aep${randomBytes(20).toString('hex')}`,
    tables: { User: [] as Row[], Lead: [] as Row[], Contact: [] as Row[], Account: [] as Row[] } as Record<string, Row[]>,
    deleted: new Set<string>(),
    writes: [] as Array<{ at: number; leadId: string; body: Row; autoAssign: string | undefined }>,
    log: [] as LoggedRequest[],
    state: { apiUsed: 0, apiLimit: 15_000, exhausted: false, refused: 0 },
  };
}
type OrgData = ReturnType<typeof newOrgData>;

/** Salesforce writes datetimes as 2026-12-07T03:00:00.000+0000 and reads them as 2026-12-07T03:00:00Z. */
const sfTime = (d: Date) => d.toISOString().replace('Z', '+0000');
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{4})$/;
const timeOf = (v: unknown) => Date.parse(String(v).replace(/\+0000$/, 'Z'));

/** A SOQL literal or list: 'text', true, 42, 2026-12-07T03:00:00Z, ('a', 'b'). */
function literal(src: string): unknown {
  const s = src.trim();
  if (DATETIME.test(s)) return new Date(timeOf(s));
  if (s.startsWith('(')) return [...s.slice(1, -1).matchAll(/'((?:\\.|[^'\\])*)'/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1'));
  if (s.startsWith("'")) return s.slice(1, -1).replace(/\\(.)/g, '$1');
  if (s === 'true' || s === 'false') return s === 'true';
  return Number(s);
}

/** Splits at top-level AND / OR, outside quotes and parentheses. */
function splitTop(where: string, word: 'AND' | 'OR'): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < where.length; i++) {
    const c = where[i];
    if (c === '\\' && quoted) i++;
    else if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')') depth--;
    else if (!quoted && depth === 0 && where.startsWith(` ${word} `, i)) {
      parts.push(where.slice(start, i));
      start = i + word.length + 2;
    }
  }
  parts.push(where.slice(start));
  return parts.map((p) => p.trim());
}

/** Whether the parenthesis opening `s` is the one closing it at its end. */
function closesAtEnd(s: string): boolean {
  let depth = 0;
  let quoted = false;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '\\' && quoted) i++;
    else if (c === "'") quoted = !quoted;
    else if (!quoted && c === '(') depth++;
    else if (!quoted && c === ')' && --depth === 0 && i < s.length - 1) return false;
  }
  return true;
}

function matches(row: Row, whole: string): boolean {
  let cond = whole.trim();
  // A condition wrapped in parentheses (as a whole) is the condition inside.
  while (cond.startsWith('(') && cond.endsWith(')') && closesAtEnd(cond)) cond = cond.slice(1, -1).trim();
  const ors = splitTop(cond, 'OR');
  if (ors.length > 1) return ors.some((c) => matches(row, c));
  const ands = splitTop(cond, 'AND');
  if (ands.length > 1) return ands.every((c) => matches(row, c));
  const m = /^(\w+)\s+(NOT IN|IN|=|>|<|LIKE)\s+(.+)$/s.exec(cond.trim());
  if (!m) throw new Error(`unsupported condition: ${cond}`);
  const [, field, op, raw] = m;
  const value = literal(raw!);
  const actual = row[field!];
  const norm = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);
  if (op === 'IN') return (value as string[]).some((v) => norm(v) === norm(actual));
  if (op === 'NOT IN') return !(value as string[]).some((v) => norm(v) === norm(actual));
  if (op === 'LIKE') return typeof actual === 'string' && actual.toLowerCase().includes(String(value).replace(/%/g, '').toLowerCase());
  if (value instanceof Date) {
    const a = timeOf(actual);
    return op === '>' ? a > value.getTime() : op === '<' ? a < value.getTime() : a === value.getTime();
  }
  if (op === '>') return String(actual) > String(value);
  if (op === '<') return String(actual) < String(value);
  return norm(actual) === norm(value);
}

export interface FakeSalesforceOptions {
  /** Records per query page (Salesforce: 2,000): small, so paging is exercised. */
  pageSize?: number;
}

export async function startFakeSalesforce(o: FakeSalesforceOptions = {}) {
  const pageSize = o.pageSize ?? 2000;
  const orgs: OrgData[] = [];
  const tokens = new Map<string, { org: OrgData; valid: boolean }>();
  const cursors = new Map<string, { rows: Row[]; at: number }>();
  const app = express();
  app.use(express.urlencoded({ extended: false }));
  app.use(express.json());
  let url = '';

  const fail = (res: Response, status: number, errorCode: string, message: string) => {
    const body: ErrorResponse = [{ message, errorCode }];
    res.status(status).json(body);
  };
  const orgOf = (res: Response) => res.locals.org as OrgData;

  app.post('/services/oauth2/token', (req, res) => {
    const b = req.body as Record<string, string>;
    const org = orgs.find((x) => x.clientId === b.client_id);
    if (!org || b.grant_type !== 'refresh_token' || b.client_secret !== org.clientSecret || b.refresh_token !== org.refreshToken) {
      return res.status(400).json({ error: 'invalid_grant', error_description: 'expired access/refresh token' });
    }
    const access = `00D!${randomBytes(24).toString('hex')}`;
    tokens.set(access, { org, valid: true });
    const body: TokenResponse = { access_token: access, instance_url: url, token_type: 'Bearer', issued_at: String(Date.now()), id: `${url}/id/${org.organizationId}/005000000000000AAA` };
    res.json(body);
  });

  // Every API call: a live session, then the org's daily allocation, each answer telling how much is used.
  app.use('/services/data', (req, res, next) => {
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    const session = token ? tokens.get(token) : undefined;
    if (session) {
      const entry: LoggedRequest = { at: Date.now(), method: req.method, path: req.path, status: 0, ...(typeof req.query.q === 'string' ? { soql: req.query.q } : {}) };
      session.org.log.push(entry);
      res.on('finish', () => (entry.status = res.statusCode));
    }
    if (!session?.valid) return fail(res, 401, 'INVALID_SESSION_ID', 'Session expired or invalid');
    const org = session.org;
    res.locals.org = org;
    if (org.state.exhausted) {
      org.state.refused++;
      res.set('Sforce-Limit-Info', `api-usage=${org.state.apiLimit}/${org.state.apiLimit}`);
      return fail(res, 403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');
    }
    org.state.apiUsed++;
    res.set('Sforce-Limit-Info', `api-usage=${org.state.apiUsed}/${org.state.apiLimit}`);
    next();
  });

  const page = (res: Response, v: string, rows: Row[], offset: number) => {
    const slice = rows.slice(offset, offset + pageSize);
    const done = offset + pageSize >= rows.length;
    let nextRecordsUrl: string | undefined;
    if (!done) {
      const id = `01g${randomBytes(6).toString('hex')}`;
      cursors.set(id, { rows, at: offset + pageSize });
      nextRecordsUrl = `/services/data/${v}/query/${id}-${offset + pageSize}`;
    }
    const body: QueryResult = { totalSize: rows.length, done, records: slice, ...(nextRecordsUrl ? { nextRecordsUrl } : {}) };
    res.json(body);
  };

  app.get('/services/data/:v/query', (req, res) => {
    const soql = String(req.query.q ?? '');
    const m = /^SELECT (.+?) FROM (\w+)(?: WHERE (.+?))?(?: ORDER BY ([\w, ]+?))?(?: LIMIT (\d+))?$/s.exec(soql);
    if (!m) return fail(res, 400, 'MALFORMED_QUERY', `unexpected token in: ${soql.slice(0, 80)}`);
    const [, select, object, where, order, limit] = m;
    const fields = select!.split(',').map((f) => f.trim());
    const known = FIELDS[object!];
    if (!known) return fail(res, 400, 'INVALID_TYPE', `sObject type '${object}' is not supported.`);
    const unknown = fields.find((f) => !known.includes(f));
    if (unknown) return fail(res, 400, 'INVALID_FIELD', `No such column '${unknown}' on entity '${object}'.`);
    const org = orgOf(res);
    let rows = org.tables[object!]!.filter((r) => !org.deleted.has(String(r.Id)));
    try {
      if (where) rows = rows.filter((r) => matches(r, where));
    } catch (err) {
      return fail(res, 400, 'MALFORMED_QUERY', (err as Error).message);
    }
    if (order) {
      const keys = order.split(',').map((k) => k.trim());
      const cmp = (a: unknown, b: unknown) => (DATETIME.test(String(a)) ? timeOf(a) - timeOf(b) : String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0);
      rows = [...rows].sort((a, b) => keys.reduce((r, k) => r || cmp(a[k], b[k]), 0));
    }
    if (limit) rows = rows.slice(0, Number(limit));
    const out = rows.map((r) => ({ attributes: { type: object, url: `/services/data/${req.params.v}/sobjects/${object}/${r.Id}` }, ...Object.fromEntries(fields.map((f) => [f, r[f] ?? null])) }));
    page(res, req.params.v!, out, 0);
  });

  app.get('/services/data/:v/query/:cursor', (req, res) => {
    const id = req.params.cursor!.split('-')[0]!;
    const c = cursors.get(id);
    if (!c) return fail(res, 400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    page(res, req.params.v!, c.rows, c.at);
  });

  app.patch('/services/data/:v/sobjects/Lead/:id', (req, res) => {
    const org = orgOf(res);
    const id = req.params.id!;
    if (org.deleted.has(id)) return fail(res, 404, 'ENTITY_IS_DELETED', 'entity is deleted');
    const lead = org.tables.Lead!.find((l) => l.Id === id);
    if (!lead) return fail(res, 404, 'NOT_FOUND', 'The requested resource does not exist');
    const body = req.body as Row;
    if (body.OwnerId !== undefined && !org.tables.User!.some((u) => u.Id === body.OwnerId && u.IsActive)) {
      return fail(res, 400, 'INVALID_CROSS_REFERENCE_KEY', 'Owner ID: owner cannot be blank or inactive');
    }
    const unknown = Object.keys(body).find((f) => !FIELDS.Lead!.includes(f));
    if (unknown) return fail(res, 400, 'INVALID_FIELD', `No such column '${unknown}' on sobject of type Lead`);
    Object.assign(lead, body, { LastModifiedDate: sfTime(new Date()) });
    org.writes.push({ at: Date.now(), leadId: id, body, autoAssign: req.header('Sforce-Auto-Assign') });
    res.status(204).end();
  });

  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  /** A new Salesforce org with its connected app, and the methods a test drives it by. */
  function org() {
    const d = newOrgData();
    orgs.push(d);
    const insert = (object: string, row: Row) => {
      const prefix = { User: '005', Lead: '00Q', Contact: '003', Account: '001' }[object]!;
      const id = randomId(prefix).slice(0, 18);
      const now = sfTime(new Date());
      d.tables[object]!.push({ Id: id, CreatedDate: now, LastModifiedDate: now, ...row });
      return id;
    };
    return {
      ...d,
      addUser: (email: string, name = email.split('@')[0]!) => insert('User', { Email: email, Name: name, IsActive: true }),
      deactivateUser: (id: string) => void Object.assign(d.tables.User!.find((u) => u.Id === id)!, { IsActive: false }),
      addAccount: (row: Row) => insert('Account', row),
      addContact: (row: Row) => insert('Contact', row),
      /** A Lead as Web-to-Lead makes it: owned by the default lead queue unless `OwnerId` says otherwise. */
      createLead: (row: Row) => insert('Lead', { OwnerId: '00G000000000001AAA', IsConverted: false, ...row }),
      deleteLead: (id: string) => void d.deleted.add(id),
      /** Changes a Lead as a person in Salesforce would (LastModifiedDate moves). */
      changeLead: (id: string, fields: Row) => void Object.assign(d.tables.Lead!.find((l) => l.Id === id)!, fields, { LastModifiedDate: sfTime(new Date()) }),
      lead: (id: string) => d.tables.Lead!.find((l) => l.Id === id),
      /** Ends every session of this org now (the next call with one is 401 INVALID_SESSION_ID). */
      expireSessions: () => {
        for (const t of tokens.values()) if (t.org === d) t.valid = false;
      },
      /** While true, every API call is 403 REQUEST_LIMIT_EXCEEDED (the day's allocation is spent). */
      setExhausted: (on: boolean) => void (d.state.exhausted = on),
      /** Sends an outbound message as Salesforce does, for these Leads: whether it was acknowledged. */
      async sendOutboundMessage(target: string, leadIds: string[], opts: { organizationId?: string } = {}) {
        const notifications = leadIds
          .map((id) => {
            const l = d.tables.Lead!.find((x) => x.Id === id) ?? { Id: id };
            const fields = ['Id', 'Email', 'Company', 'OwnerId'].map((f) => (l[f] == null ? '' : `<sf:${f}>${String(l[f])}</sf:${f}>`)).join('');
            return `<Notification><Id>${randomId('04l').slice(0, 18)}</Id><sObject xsi:type="sf:Lead" xmlns:sf="urn:sobject.enterprise.soap.sforce.com">${fields}</sObject></Notification>`;
          })
          .join('');
        const xml =
          '<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:xsd="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
          `<soapenv:Body><notifications xmlns="http://soap.sforce.com/2005/09/outbound"><OrganizationId>${opts.organizationId ?? d.organizationId}</OrganizationId><ActionId>04k000000000001AAA</ActionId>` +
          `<SessionId xsi:nil="true"/><EnterpriseUrl>${url}/services/Soap/c/62.0/${d.organizationId}</EnterpriseUrl><PartnerUrl>${url}/services/Soap/u/62.0/${d.organizationId}</PartnerUrl>${notifications}</notifications></soapenv:Body></soapenv:Envelope>`;
        const res = await fetch(target, { method: 'POST', headers: { 'content-type': 'text/xml; charset=utf-8', SOAPAction: '""' }, body: xml });
        const text = await res.text();
        return { status: res.status, acked: /<Ack>true<\/Ack>/.test(text), body: text };
      },
    };
  }

  return { url, org, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}
export type FakeSalesforce = Awaited<ReturnType<typeof startFakeSalesforce>>;
export type FakeSalesforceOrg = ReturnType<FakeSalesforce['org']>;
