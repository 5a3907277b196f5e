/**
 * The words of the ruleset language, with no dependencies, so the console's rules editor offers exactly
 * what the API's schema (schema.ts) accepts.
 */
export const LEAD_FIELDS = [
  'email',
  'first_name',
  'last_name',
  'company',
  'domain',
  'country',
  'state',
  'source',
  'score',
  'employees',
  'industry',
  'external_id',
] as const;

export const OPERATORS = [
  'eq',
  'neq',
  'in',
  'not_in',
  'contains',
  'starts_with',
  'ends_with',
  'gt',
  'gte',
  'lt',
  'lte',
  'exists',
  'matches',
  'in_list',
  'not_in_list',
] as const;
export type Operator = (typeof OPERATORS)[number];

export const STRATEGIES = ['DIRECT', 'ROUND_ROBIN', 'WEIGHTED', 'LOAD_BALANCED', 'OWNER', 'CRM_OWNER'] as const;
export type Strategy = (typeof STRATEGIES)[number];

export const ESCALATION_ACTIONS = ['REMIND', 'NOTIFY_MANAGER', 'REASSIGN', 'UNASSIGN'] as const;
export type EscalationAction = (typeof ESCALATION_ACTIONS)[number];
