import { LEAD_STATUSES } from '../lead/model';
import { z } from 'zod';
import { IdOf, OptionalText, PageQuery, Timestamp, Email, TrimmedText } from './common';
import { Attributes } from './leads';

export const ContactUpsert = z
  .strictObject({
    email: Email.optional(),
    external_id: TrimmedText(1, 200).optional(),
    name: OptionalText(300),
    phone: OptionalText(50),
    company: OptionalText(300),
    owner_rep_id: IdOf('rep').nullish().meta({ description: 'The rep who owns this contact (OWNER routing sends their leads to them)' }),
    attributes: Attributes.optional().meta({ description: 'Merged into the stored attributes' }),
  })
  .refine((c) => c.email !== undefined || c.external_id !== undefined, { message: 'email or external_id is required', path: ['email'] })
  .meta({
    id: 'ContactUpsert',
    description: 'Creates the contact, or updates the one with this email (or external_id); one of the two is required',
    anyOf: [{ required: ['email'] }, { required: ['external_id'] }],
  });
export type ContactUpsert = z.infer<typeof ContactUpsert>;

export const Contact = z
  .object({
    id: IdOf('contact'),
    email: z.string().nullable(),
    external_id: z.string().nullable(),
    name: z.string().nullable(),
    phone: z.string().nullable(),
    company: z.string().nullable(),
    owner_rep_id: z.string().nullable(),
    attributes: z.record(z.string(), z.unknown()),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: 'Contact' });
export type Contact = z.infer<typeof Contact>;

/** How many of a contact's leads its detail lists; `GET /v1/leads?contact_id=` pages through all of them. */
export const CONTACT_LEADS_SHOWN = 100;

export const ContactDetail = Contact.extend({
  leads: z
    .array(
      z.object({
        id: IdOf('lead'),
        status: z.enum(LEAD_STATUSES),
        assigned_rep_id: z.string().nullable(),
        received_at: Timestamp,
        first_touch_at: Timestamp.nullable(),
        closed_at: Timestamp.nullable(),
      }),
    )
    .meta({ description: `The contact's leads, newest first (the latest ${CONTACT_LEADS_SHOWN}; GET /v1/leads?contact_id= lists them all)` }),
}).meta({ id: 'ContactDetail' });
export type ContactDetail = z.infer<typeof ContactDetail>;

/** The answer to an upsert: the contact, and whether the upsert made it. */
export const ContactUpserted = Contact.extend({
  created: z.boolean().meta({ description: 'true: a new contact; false: an existing one (same email or external_id) was updated' }),
}).meta({ id: 'ContactUpserted' });
export type ContactUpserted = z.infer<typeof ContactUpserted>;

export const ContactListQuery = PageQuery.extend({
  email: z.string().max(320).optional(),
  owner_rep_id: IdOf('rep').optional(),
});
export type ContactListQuery = z.infer<typeof ContactListQuery>;

const EARLIEST_ACTIVITY = Date.UTC(1970, 0, 1);
const ACTIVITY_CLOCK_SKEW_MS = 86_400_000;

export const ACTIVITY_TYPES = ['CALL', 'MEETING', 'EMAIL', 'NOTE'] as const;
export const OUTCOMES = ['POSITIVE', 'NEUTRAL', 'NEGATIVE', 'NO_ANSWER'] as const;

export const ActivityCreate = z
  .strictObject({
    type: z.enum(ACTIVITY_TYPES),
    notes: z.string().max(10_000).nullish(),
    outcome: z.enum(OUTCOMES).nullish(),
    rep_id: IdOf('rep')
      .nullish()
      .meta({
        description:
          "Who did it. A CALL, MEETING or EMAIL by the assigned rep is the first touch of the contact's open lead. Omitted: the activity is the rep's who holds the contact's lead waiting for a first touch (when exactly one rep does)",
      }),
    occurred_at: Timestamp.refine((t) => {
      const ms = Date.parse(t);
      return ms >= EARLIEST_ACTIVITY && ms <= Date.now() + ACTIVITY_CLOCK_SKEW_MS;
    }, 'must be between 1970-01-01 and a day from now')
      .optional()
      .meta({ description: 'Default: now. Between 1970-01-01 and one day from now (clock skew).' }),
  })
  .meta({ id: 'ActivityCreate', example: { type: 'CALL', notes: 'Discussed expansion to 50 seats.', outcome: 'POSITIVE' } });
export type ActivityCreate = z.infer<typeof ActivityCreate>;

export const Activity = z
  .object({
    id: IdOf('activity'),
    contact_id: z.string(),
    lead_id: z.string().nullable().meta({ description: 'The lead this activity was the first touch of, if any' }),
    rep_id: z.string().nullable(),
    type: z.enum(ACTIVITY_TYPES),
    notes: z.string().nullable(),
    outcome: z.enum(OUTCOMES).nullable(),
    first_touch: z.boolean().meta({ description: 'Whether it stopped an SLA clock' }),
    occurred_at: Timestamp,
    created_at: Timestamp,
  })
  .meta({ id: 'Activity' });
export type Activity = z.infer<typeof Activity>;

export const ActivityLogged = Activity.extend({
  first_touch_reason: z
    .string()
    .nullable()
    .meta({ description: 'Why it is not a first touch (e.g. "no open lead assigned"); null when it is', example: 'no open lead assigned' }),
}).meta({ id: 'ActivityLogged' });
export type ActivityLogged = z.infer<typeof ActivityLogged>;
