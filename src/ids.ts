import { randomBytes } from 'node:crypto';

export const ID_PREFIXES = {
  org: 'org',
  key: 'key',
  operatorKey: 'opk',
  rep: 'rep',
  ruleset: 'rs',
  lead: 'lead',
  contact: 'ct',
  activity: 'act',
  event: 'evt',
  assignment: 'asg',
  monitor: 'mon',
  webhook: 'wh',
  delivery: 'dlv',
  alert: 'alr',
  digest: 'dig',
  notification: 'ntf',
  audit: 'aud',
  rerouteJob: 'rrj',
  calendar: 'cal',
  backtest: 'bt',
  request: 'req',
  crmEvent: 'cre',
  crmWrite: 'crw',
  crmBatch: 'crb',
  user: 'usr',
  invitation: 'inv',
  erasure: 'era',
} as const;
export type IdKind = keyof typeof ID_PREFIXES;

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';
const TIME_CHARS = 9; // 36^9 ms ≈ 3 200 years: fixed width keeps ids sortable by creation time
const RANDOM_CHARS = 13;

export function randomString(n: number): string {
  // 252 = 7 * 36: rejecting bytes above it keeps every character equally likely.
  let out = '';
  while (out.length < n) {
    for (const b of randomBytes(n * 2)) {
      if (b < 252 && out.length < n) out += ALPHABET[b % 36];
    }
  }
  return out;
}

/**
 * Prefixed, time-ordered ids ("rep_0mfz3k2a1…"). Lexical order equals creation order (to the millisecond),
 * so list endpoints page by id alone.
 */
export function newId(kind: IdKind, now: number = Date.now()): string {
  return `${ID_PREFIXES[kind]}_${now.toString(36).padStart(TIME_CHARS, '0')}${randomString(RANDOM_CHARS)}`;
}

/** The lowest id of this kind made at or after `time`: ids compare like their times, so `id >= idFloor` finds the recent ones. */
export function idFloor(kind: IdKind, time: number): string {
  return `${ID_PREFIXES[kind]}_${time.toString(36).padStart(TIME_CHARS, '0')}`;
}

const ID_BODY = `[0-9a-z]{${TIME_CHARS + RANDOM_CHARS}}`;
export function idPattern(kind: IdKind): RegExp {
  return new RegExp(`^${ID_PREFIXES[kind]}_${ID_BODY}$`);
}

export function isId(kind: IdKind, value: unknown): value is string {
  return typeof value === 'string' && idPattern(kind).test(value);
}
