import type { Context } from '@temporalio/activity';
import type { ActivityInterceptors } from '@temporalio/worker';
import type { RouteOutcome } from '../lead/machine';
import { baggageRequestId } from '../telemetry/tracing';

type Fields = Record<string, string | null | undefined>;

/** The lead and organization an activity works for: a lead's activities all take `{ orgId, leadId }`. */
function subjectOf(args: unknown[]): Fields {
  const input = args[0];
  if (!input || typeof input !== 'object') return {};
  const { orgId, leadId } = input as { orgId?: unknown; leadId?: unknown };
  return { ...(typeof orgId === 'string' ? { org_id: orgId } : {}), ...(typeof leadId === 'string' ? { lead_id: leadId } : {}) };
}

/** What an operator asks of a routing decision's log line: who got the lead, by which rule, or why nobody. */
function decisionOf(outcome: RouteOutcome): Fields {
  switch (outcome.kind) {
    case 'assigned':
      return { outcome: 'assigned', rep_id: outcome.repId, rule_id: outcome.ruleId ?? null };
    case 'unassigned':
      return { outcome: 'unassigned', reason: outcome.reason, rule_id: outcome.ruleId ?? null };
    default:
      return { outcome: outcome.kind };
  }
}

/**
 * Every log line of an activity names the lead and organization it works for and, when the trace brought it,
 * the API request that started the work; a routing decision is logged once, where it was made.
 * Listed after the tracing interceptor, so the trace's baggage is in context when this one runs.
 */
export function leadLogInterceptors(ctx: Context): ActivityInterceptors {
  const subject: Fields = {};
  return {
    inbound: {
      async execute(input, next) {
        Object.assign(subject, subjectOf(input.args));
        const requestId = baggageRequestId();
        if (requestId) subject.request_id = requestId;
        const result = await next(input);
        if (ctx.info.activityType === 'routeLead') ctx.log.info('lead routed', decisionOf(result as RouteOutcome));
        return result;
      },
    },
    outbound: {
      getLogAttributes: (attributes, next) => next({ ...attributes, ...subject }),
    },
  };
}
