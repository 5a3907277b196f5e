/**
 * What Routeswit needs of a CRM, whichever it is: its owners (to map them to reps), the people a lead comes
 * from with the owners that may claim them, and a way to write the owner back. One implementation per CRM, in
 * a folder of its own (crm/hubspot, crm/salesforce): a connector (I/O) and a model (pure: how a CRM person
 * becomes a lead). The activities and services speak only these interfaces.
 */
export const CRMS = ['hubspot', 'salesforce'] as const;
export type CrmName = (typeof CRMS)[number];

export const CRM_TITLES: Record<CrmName, string> = { hubspot: 'HubSpot', salesforce: 'Salesforce' };
/** What a rep's id in each CRM is called, in messages. */
export const CRM_OWNER_WORDS: Record<CrmName, string> = { hubspot: 'HubSpot owner id', salesforce: 'Salesforce user id' };

/** The rep field that holds a rep's id in each CRM. */
export const REP_CRM_KEYS = { hubspot: 'hubspot_owner_id', salesforce: 'salesforce_user_id' } as const satisfies Record<CrmName, string>;
export type RepCrmKey = (typeof REP_CRM_KEYS)[CrmName];

/** A CRM person as a lead, in the shape POST /v1/leads takes. */
export interface LeadFromCrm {
  email: string;
  first_name?: string;
  last_name?: string;
  company?: string;
  domain?: string;
  country?: string;
  state?: string;
  industry?: string;
  source: string;
  employees?: number;
  external_id: string;
  attributes: Record<string, string>;
}

/** A connection's own mapping: which CRM field a lead field comes from, where it differs from the CRM's default. */
export type FieldMap = Readonly<Record<string, string>>;

/** How one CRM's people become leads: pure, so the intake activity is the same for every CRM. */
export interface CrmModel {
  readonly crm: CrmName;
  /** The fields to read of a person: the lead's own, and those the rules name as attributes. */
  personFields(fieldsRead: readonly string[], fieldMap?: FieldMap): string[];
  /** Whether a change of this field should update the lead (one the lead is made of, or the rules read). */
  fieldMatters(field: string, fieldsRead: readonly string[]): boolean;
  /** The lead, or why the person makes none; `hints` are the owner attributes the connector looked up. */
  leadOf(person: CrmRecord, hints: Readonly<Record<string, string>>, fieldMap?: FieldMap): LeadFromCrm | { ignored: string };
  /** Attributes that hold owners: kept as the lead came in, never changed by a later update. */
  readonly ownerAttributes: readonly string[];
  /** The person's own owner when it came in (an owner overwrite_owner off never replaces), if any. */
  ownerAtIntake(attributes: Record<string, unknown> | null | undefined): string | null;
  /** The person id in a lead's external_id, when the lead came from this CRM. */
  personIdOf(externalId: string | null | undefined): string | null;
  externalIdOf(personId: string): string;
}

export interface CrmOwner {
  id: string;
  email: string | null;
  name: string;
}

export interface CrmRecord {
  id: string;
  properties: Record<string, string | null>;
}

/** Where a poll stopped: the time and id of the last record it took, per kind (new, and changed). */
export interface PollMark {
  at: string;
  id: string;
}
export interface PollCursor {
  created: PollMark;
  modified: PollMark;
}
/** One page of what changed since a mark: each record's id and its time, in (time, id) order. */
export interface PolledPage {
  kind: 'created' | 'modified';
  records: PollMark[];
}

export interface CrmConnector {
  readonly crm: CrmName;
  /** Every active owner, a page at a time. */
  owners(): AsyncGenerator<CrmOwner[]>;
  /** People (HubSpot contacts) by id with these properties; an id that does not exist is left out. */
  readPeople(ids: readonly string[], properties: readonly string[]): Promise<Map<string, CrmRecord>>;
  /** Companies by id, the same way. */
  readCompanies(ids: readonly string[], properties: readonly string[]): Promise<Map<string, CrmRecord>>;
  /** Makes `ownerId` the person's owner, and sets `extra` properties with it (the routing reason). */
  writeOwner(personId: string, ownerId: string, extra: Readonly<Record<string, string>>): Promise<void>;
  /**
   * The owners that may claim each person's lead, looked up in the CRM (a HubSpot contact's company's owner; a
   * Salesforce Contact or Lead with the same email, or the Account of the same domain), as lead attributes.
   */
  ownerHints(people: ReadonlyMap<string, CrmRecord>): Promise<Map<string, Record<string, string>>>;
  /**
   * For CRMs that can be polled (Salesforce): the records created, then those modified, after the cursor's
   * marks, oldest first, a page at a time; absent where the CRM pushes instead (HubSpot's webhooks).
   */
  changedSince?(cursor: PollCursor): AsyncGenerator<PolledPage>;
}

/**
 * A CRM's answer that is not a success. `retryAfterMs` is set on 429 (from Retry-After or the rate-limit
 * headers); `final` says whether trying again can help (a 4xx other than 401 and 429 cannot).
 */
export class CrmHttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly retryAfterMs: number | null = null,
    readonly category: string | null = null,
  ) {
    super(message);
    this.name = 'CrmHttpError';
  }

  get final(): boolean {
    return this.status >= 400 && this.status < 500 && this.status !== 408 && this.status !== 429;
  }
}

/** Where a CRM could not be reached at all (refused, timed out, not allowed): worth trying again later. */
export class CrmUnreachable extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CrmUnreachable';
  }
}
