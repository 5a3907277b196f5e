import { z } from 'zod';

const Text = (max: number) => z.string().trim().max(max).nullish();

const AttributeScalar = z.union([z.string().max(2000), z.number().finite(), z.boolean()]);
export const Attributes = z
  .record(z.string().min(1).max(64).regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]*$/, 'attribute names are letters, digits, "_", "." or "-"'), z.union([AttributeScalar, z.null(), z.array(AttributeScalar).max(100)]))
  .refine((a) => Object.keys(a).length <= 100, 'at most 100 attributes')
  .meta({ description: 'Custom fields; rules read them as attributes.<name>', example: { plan: 'enterprise', products: ['crm', 'cms'] } });

/** What a lead is made of when it arrives; also the lead a simulation routes. */
export const LeadInput = z
  .strictObject({
    email: z.email().max(320).transform((e) => e.toLowerCase()),
    first_name: Text(200),
    last_name: Text(200),
    company: Text(300),
    domain: z
      .string()
      .trim()
      .max(253)
      .regex(/^[A-Za-z0-9.-]*$/, 'a domain name like acme.com')
      .transform((d) => d.toLowerCase())
      .nullish(),
    country: Text(100),
    state: Text(100),
    source: Text(200),
    score: z.number().finite().nullish(),
    employees: z.number().int().min(0).max(10_000_000_000).nullish(),
    industry: Text(200),
    external_id: Text(200).meta({ description: 'Your id for the lead; a second lead with the same external_id is the same lead' }),
    attributes: Attributes.optional(),
  })
  .meta({ id: 'LeadInput' });
export type LeadInput = z.infer<typeof LeadInput>;
