import { z } from 'zod';
import { LIMITS, LIST_NAME_RE } from '../routing/schema';
import { OptionalText, PageQuery, Timestamp } from './common';
import { inSlices } from '../concurrency';

export const ListName = z.string().regex(LIST_NAME_RE, 'list names are 1-64 lower-case letters, digits, "_", "." or "-"').meta({ example: 'emea-countries' });

export const ValueList = z
  .object({
    name: ListName,
    description: z.string().nullable(),
    value_count: z.number().int(),
    values_sha256: z.string().meta({ description: 'Changes whenever the values do' }),
    used_by: z.array(z.object({ id: z.string(), status: z.enum(['DRAFT', 'ACTIVE']) })).meta({
      description: 'Drafts and the active ruleset that use the list. The active ruleset keeps the values it was published with: publish it again to route with an edited list',
    }),
    created_at: Timestamp,
    updated_at: Timestamp,
  })
  .meta({ id: 'ValueList', description: 'A named list of values (countries, states, named accounts) that conditions use with in_list and not_in_list' });
export type ValueList = z.infer<typeof ValueList>;

export const ValueListDetail = ValueList.extend({
  values: z.array(z.union([z.string(), z.number()])),
}).meta({ id: 'ValueListDetail' });
export type ValueListDetail = z.infer<typeof ValueListDetail>;

const ListValue = z.union([z.string().min(1).max(LIMITS.stringValue), z.number().finite()]);

export const ValueListPut = z
  .strictObject({
    description: OptionalText(500),
    values: z
      .array(ListValue)
      .max(LIMITS.namedListValues)
      .meta({ description: `Up to ${LIMITS.namedListValues.toLocaleString('en')} strings or numbers; repeats are dropped` }),
  })
  .meta({ id: 'ValueListPut', description: 'The list as it should be: its values replace the old ones' });
export type ValueListPut = z.infer<typeof ValueListPut>;

const ValueListPutHead = ValueListPut.extend({ values: z.array(z.unknown()).max(LIMITS.namedListValues) });

/**
 * ValueListPut, checked in slices: 100,000 values validated in one call held the API's event loop (and every
 * other tenant's request) for tens of milliseconds, on top of the rest of the write. The same schema decides.
 */
export async function parseValueListPut(raw: unknown): Promise<z.ZodSafeParseResult<ValueListPut>> {
  const head = ValueListPutHead.safeParse(raw);
  if (!head.success) return head as z.ZodSafeParseResult<ValueListPut>;
  const issues: z.core.$ZodIssue[] = [];
  await inSlices(head.data.values, 2000, (v, i) => {
    const one = ListValue.safeParse(v);
    if (!one.success && issues.length < 20) issues.push(...one.error.issues.map((issue) => ({ ...issue, path: ['values', i, ...issue.path] })));
  });
  if (issues.length) return { success: false, error: new z.ZodError(issues) } as z.ZodSafeParseResult<ValueListPut>;
  return { success: true, data: head.data as ValueListPut };
}

export const ValueListQuery = PageQuery.extend({
  cursor: ListName.optional().meta({ description: 'Opaque cursor from the Link header of the previous page' }),
});
export type ValueListQuery = z.infer<typeof ValueListQuery>;
