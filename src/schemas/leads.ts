import { z } from 'zod';
import { LEAD_STATUSES, UNASSIGNED_REASONS } from '../lead/model';
import { TimelineEvent } from './timeline';
import { SlaSchema } from '../routing/schema';
import { ErrorBody, IdOf, OptionalText, PageQuery, QueryInt, Timestamp, orNull, TimestampInput, Email, TrimmedText } from './common';
import { Routing } from './routing';

/** Attributes one lead, contact or account may hold: per request, and after a request's merge. */
export const MAX_ATTRIBUTES = 100;

const AttributeScalar = z.union([z.string().max(2000), z.number().finite(), z.boolean()]);
const ATTRIBUTE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*$/;
export const Attributes = z
  .record(z.string().min(1).max(64).regex(ATTRIBUTE_NAME, 'attribute names are letters, digits, "_", "." or "-"'), z.union([AttributeScalar, z.null(), z.array(AttributeScalar).max(100)]))
  .refine((a) => Object.keys(a).length <= MAX_ATTRIBUTES, `at most ${MAX_ATTRIBUTES} attributes`)
  .meta({
    description: 'Custom fields; rules read them as attributes.<name>',
    example: { plan: 'enterprise', products: ['crm', 'cms'] },
    propertyNames: { minLength: 1, maxLength: 64, pattern: ATTRIBUTE_NAME.source },
    maxProperties: MAX_ATTRIBUTES,
  });

/**
 * A lead's size as JSON, fields and attributes together: what rules may have to read and compare, and what
 * its timeline and explanation may quote. Per-field limits alone let a lead reach megabytes (100 attributes of
 * 100 values of 2,000 characters).
 */
export const MAX_LEAD_BYTES = 64 * 1024;

export const jsonBytes = (value: unknown): number => Buffer.byteLength(JSON.stringify(value) ?? '');

/** The lead-size issue, for a new lead and for a lead as an update would leave it. */
export const leadTooLarge = (bytes: number) => `the lead is ${Math.ceil(bytes / 1024)} KB as JSON; a lead may be at most ${MAX_LEAD_BYTES / 1024} KB, fields and attributes together`;

const LeadFields = z
  .strictObject({
    email: Email,
    first_name: OptionalText(200),
    last_name: OptionalText(200),
    company: OptionalText(300),
    domain: z
      .string()
      .max(253)
      .regex(/^[A-Za-z0-9.-]*$/, 'a domain name like acme.com')
      .transform((d) => d.toLowerCase())
      .nullish(),
    country: OptionalText(100),
    state: OptionalText(100),
    source: OptionalText(200),
    score: z.number().finite().nullish(),
    employees: z.number().int().min(0).max(10_000_000_000).nullish(),
    industry: OptionalText(200),
    external_id: OptionalText(200).meta({ description: 'Your id for the lead; a second lead with the same external_id is the same lead. Empty is the same as absent' }),
    attributes: Attributes.optional(),
  });

/** What a lead is made of when it arrives; also the lead a simulation routes. */
export const LeadInput = LeadFields.superRefine((lead, ctx) => {
  const bytes = jsonBytes(lead);
  if (bytes > MAX_LEAD_BYTES) ctx.addIssue({ code: 'custom', message: leadTooLarge(bytes), path: [] });
}).meta({ id: 'LeadInput', description: `A lead; at most ${MAX_LEAD_BYTES / 1024} KB as JSON, fields and attributes together` });
export type LeadInput = z.infer<typeof LeadInput>;


export const LeadStatus = z.enum(LEAD_STATUSES).meta({ id: 'LeadStatus' });

export const Assignment = z
  .object({
    id: IdOf('assignment'),
    rep_id: z.string(),
    seq: z.number().int().meta({ description: 'Routing attempt that made this assignment' }),
    reason: z.string().meta({ description: 'ROUTED, RETRY, SLA_REASSIGN, MANUAL_REASSIGN or REP_UNAVAILABLE' }),
    rule_id: z.string().nullable(),
    strategy: z.string().nullable(),
    assigned_at: Timestamp,
    ended_at: Timestamp.nullable(),
    end_reason: z.string().nullable(),
  })
  .meta({ id: 'Assignment' });

export const Lead = z
  .object({
    id: IdOf('lead'),
    status: LeadStatus,
    email: z.string(),
    first_name: z.string().nullable(),
    last_name: z.string().nullable(),
    company: z.string().nullable(),
    domain: z.string().nullable(),
    country: z.string().nullable(),
    state: z.string().nullable(),
    source: z.string().nullable(),
    score: z.number().nullable(),
    employees: z.number().nullable(),
    industry: z.string().nullable(),
    external_id: z.string().nullable(),
    attributes: z.record(z.string(), z.unknown()),
    contact_id: IdOf('contact'),
    account_domain: z.string().nullable().meta({ description: 'The account (company domain) the lead matched when it arrived; null for free mail' }),
    assigned_rep_id: z.string().nullable(),
    unassigned_reason: z.enum(UNASSIGNED_REASONS).nullable(),
    routing: orNull(Routing).meta({ description: 'Which ruleset, rule and strategy decided, and why: each rule\'s outcome and each skipped rep\'s reason' }),
    sla: orNull(SlaSchema),
    sla_due_at: Timestamp.nullable(),
    first_touch_at: Timestamp.nullable(),
    assigned_at: Timestamp.nullable(),
    closed_at: Timestamp.nullable(),
    close_reason: z.string().nullable(),
    reassignment_count: z.number().int(),
    workflow_id: z.string().meta({ description: 'The lead\'s Temporal workflow: lead-<id>' }),
    workflow_url: z.string().meta({ description: 'The workflow in the Temporal Web UI' }),
    received_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: 'Lead' });
export type Lead = z.infer<typeof Lead>;

/** The answer to POST /v1/leads: the lead, and whether it was new. */
export const LeadIngested = Lead.extend({
  duplicate: z.boolean().meta({ description: 'true: the lead existed already (same external_id or Idempotency-Key), and nothing sent was stored' }),
}).meta({ id: 'LeadIngested' });
export type LeadIngested = z.infer<typeof LeadIngested>;

export const LeadDetail = Lead.extend({
  assignments: z.array(Assignment),
  timeline: z.array(TimelineEvent),
}).meta({ id: 'LeadDetail' });
export type LeadDetail = z.infer<typeof LeadDetail>;

/** Leads one batch request takes. */
export const LEAD_BATCH_MAX = 500;

export const LeadBatch = z
  .strictObject({
    leads: z
      .array(z.record(z.string(), z.unknown()))
      .min(1)
      .max(LEAD_BATCH_MAX)
      .meta({ description: 'Leads as POST /v1/leads takes them (LeadInput). Each is checked on its own: a bad one is answered at its index in `results`, the others are taken in' }),
  })
  .meta({ id: 'LeadBatch' });
export type LeadBatch = z.infer<typeof LeadBatch>;

const BatchAccepted = z.object({
  index: z.number().int(),
  id: IdOf('lead'),
  status: LeadStatus,
  duplicate: z.boolean().meta({ description: 'The lead existed already (same external_id, or this batch sent again with its Idempotency-Key)' }),
});
const BatchRejected = z.object({ index: z.number().int(), error: ErrorBody.shape.error });
export const LeadBatchResult = z
  .object({
    accepted: z.number().int(),
    rejected: z.number().int(),
    results: z.array(z.union([BatchAccepted, BatchRejected])).meta({ description: 'One per lead sent, in the same order' }),
  })
  .meta({ id: 'LeadBatchResult' });
export type LeadBatchResult = z.infer<typeof LeadBatchResult>;

export const LeadCreateQuery = z.object({
  wait_ms: QueryInt(0, 30_000).optional().meta({ description: 'How long to wait for the routing decision (default 2000)' }),
});

export const LeadListQuery = PageQuery.extend({
  status: LeadStatus.optional(),
  rep_id: IdOf('rep').optional(),
  contact_id: IdOf('contact').optional().meta({ description: "This contact's leads" }),
  account: z.string().max(253).optional().meta({ description: "This account's leads (its domain, e.g. acme.com)" }),
  created_after: TimestampInput.optional(),
  created_before: TimestampInput.optional(),
});
export type LeadListQuery = z.infer<typeof LeadListQuery>;

export const LeadExportQuery = LeadListQuery.omit({ limit: true, cursor: true }).extend({
  format: z.enum(['csv', 'ndjson']).default('csv').meta({ description: 'csv (a header row, then one row per lead) or ndjson (one JSON object per line)' }),
});
export type LeadExportQuery = z.infer<typeof LeadExportQuery>;

/** The fields an update may change: email and external_id say who the lead is, so they stay. */
export const PATCHABLE_FIELDS = ['first_name', 'last_name', 'company', 'domain', 'country', 'state', 'source', 'score', 'employees', 'industry'] as const;
export type PatchableField = (typeof PATCHABLE_FIELDS)[number];

export const LeadPatch = LeadFields.pick(Object.fromEntries(PATCHABLE_FIELDS.map((f) => [f, true])) as Record<PatchableField, true>)
  .extend({
    attributes: Attributes.optional().meta({ description: 'Merged into the lead\'s attributes; an attribute set to null is removed' }),
    reroute: z.boolean().optional().meta({ description: 'Route the lead again even if it is assigned (a lead waiting for a rep is routed again whenever its data changes)' }),
  })
  .meta({ id: 'LeadPatch', description: 'Fields to change (null clears one); fields left out stay as they are' });
export type LeadPatch = z.infer<typeof LeadPatch>;

export const REROUTE_TRIGGERS = ['WAITING', 'REQUESTED', 'RULE'] as const;
export const LeadUpdateResult = LeadDetail.extend({
  reroute: z
    .object({
      trigger: z.enum(REROUTE_TRIGGERS).nullable().meta({
        description: 'Why the lead was routed again: WAITING (it had no rep yet), REQUESTED (reroute: true), RULE (a field in its rule\'s reroute_on_change changed); null: it was not',
      }),
      fields: z.array(z.string()).meta({ description: 'For RULE: the changed fields the rule watches' }),
      moved: z.boolean().meta({ description: 'The lead has another rep (or, waiting before, now has one)' }),
      message: z.string().nullable().meta({ description: 'Why it stayed where it was' }),
    })
    .meta({ id: 'LeadReroute' }),
}).meta({ id: 'LeadUpdateResult' });
export type LeadUpdateResult = z.infer<typeof LeadUpdateResult>;

export const ReassignRequest = z
  .strictObject({ rep_id: IdOf('rep').optional().meta({ description: 'Omitted: the next eligible rep of the lead\'s pool other than the current one' }) })
  .meta({ id: 'ReassignRequest' });
export const CloseRequest = z.strictObject({ reason: TrimmedText(1, 500) }).meta({ id: 'CloseRequest' });
