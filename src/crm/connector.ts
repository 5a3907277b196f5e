/**
 * What Routeswit needs of a CRM, whichever it is: its owners (to map them to reps), the people and companies
 * a lead comes from, and a way to write the owner back. One implementation per CRM, in a folder of its own
 * (crm/hubspot); the activities and services speak only this interface.
 */
export const CRMS = ['hubspot'] as const;
export type CrmName = (typeof CRMS)[number];

export interface CrmOwner {
  id: string;
  email: string | null;
  name: string;
}

export interface CrmRecord {
  id: string;
  properties: Record<string, string | null>;
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
