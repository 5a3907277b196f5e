import { z } from 'zod';
import { ExplanationSchema, STRATEGIES } from '../routing/schema';

export const Routing = z
  .object({
    ruleset_id: z.string().nullable(),
    ruleset_version: z.number().int().nullable(),
    rule_id: z.string().nullable(),
    strategy: z.enum(STRATEGIES).nullable(),
    explanation: ExplanationSchema,
  })
  .meta({ id: 'Routing' });
export type Routing = z.infer<typeof Routing>;
