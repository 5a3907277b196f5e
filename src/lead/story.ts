import type { Effect, LeadState } from './machine';

/**
 * The lead's story as the Temporal Web UI tells it to a person in sales operations: a summary when the
 * workflow starts, a line on every activity and timer, and current details kept up to date. Pure text from
 * the state (these strings travel as payloads, so they are encrypted like the rest).
 */
const time = (ms: number) => `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
const rep = (s: LeadState, repId = s.repId) => (repId && s.repName && repId === s.repId ? s.repName : (repId ?? 'nobody'));

export interface LeadHeadline {
  id: string;
  name: string | null;
  company: string | null;
  source: string | null;
}

/** The workflow's static summary: who the lead is. */
export function startSummary(lead: LeadHeadline): string {
  const who = [lead.name, lead.company].filter(Boolean).join(', ') || lead.id;
  return `Lead ${who}${lead.source ? ` (${lead.source})` : ''}`;
}

/** The workflow's static details (markdown): ids and links to the lead in the API and the dashboard. */
export function startDetails(lead: LeadHeadline, orgId: string, apiUrl: string): string {
  return [
    `**Lead** \`${lead.id}\` of organization \`${orgId}\``,
    '',
    `- In the API: [GET /v1/leads/${lead.id}](${apiUrl}/v1/leads/${lead.id}) (routing explanation, assignments, timeline)`,
    `- Dashboard: [${apiUrl}/dashboard](${apiUrl}/dashboard)`,
  ].join('\n');
}

const ROUTE: Record<string, (s: LeadState, e: Extract<Effect, { type: 'route' }>) => string> = {
  ROUTED: () => 'Route the lead: evaluate the active ruleset and assign a rep',
  RETRY: () => 'Route again: a rep may be eligible now',
  SLA_REASSIGN: (s) => `Reassign ${s.reassignments} of ${s.sla?.maxReassignments ?? s.reassignments}: ${rep(s)} missed the SLA`,
  MANUAL_REASSIGN: (s, e) => (e.request.repId ? `Reassign by hand to ${e.request.repId}` : `Reassign by hand, away from ${rep(s)}`),
  REP_UNAVAILABLE: (s) => `Move away from ${rep(s)} (offline)`,
  REROUTE: (s) => (s.repId ? `Route again on the lead's new data (now with ${rep(s)})` : "Route again on the lead's new data"),
};

/** One line for the activity that performs `effect`, in the state that asked for it. */
export function activitySummary(s: LeadState, effect: Effect): string {
  switch (effect.type) {
    case 'route':
      return ROUTE[effect.request.reason]!(s, effect);
    case 'record':
      switch (effect.event) {
        case 'SLA_BREACHED':
          return `SLA breached: ${rep(s, effect.repId)} did not touch the lead by ${s.sla ? time(s.sla.dueAt) : 'the deadline'}`;
        case 'REMINDED':
          return `Remind ${rep(s, effect.repId)}`;
        case 'ESCALATED':
          return `Tell ${rep(s, effect.repId)}'s manager`;
        case 'ALERT':
          return `Alert a human: ${String(effect.data.reason ?? 'routing needs attention')}`;
      }
      return effect.event;
    case 'unassign':
      return effect.alert ? `Give up (${effect.reason}): unassign and alert` : `Unassign (${effect.reason})`;
    case 'touch':
      return `First touch by ${rep(s, effect.touch.repId)}: stop the SLA clock`;
    case 'close':
      return `Close: ${effect.reason}`;
  }
}

/** The line on the timer the workflow sleeps on until `due`. */
export function timerSummary(s: LeadState, due: number): string {
  if (s.status === 'ASSIGNED' && s.sla) {
    if (!s.breached) return `SLA due ${time(due)} (${rep(s)})`;
    const step = s.sla.steps[s.escalationsDone];
    return `Escalation ${s.escalationsDone + 1} of ${s.sla.steps.length}: ${step?.action ?? ''} at ${time(due)}`;
  }
  return s.retryAt !== null && due >= s.retryAt ? `A rep may be eligible at ${time(due)}` : `Look again for an eligible rep at ${time(due)}`;
}

/** The workflow's current details (markdown), refreshed after every step. */
export function currentDetails(s: LeadState): string {
  const lines = [`**Status** ${s.status}${s.unassignedReason ? ` (${s.unassignedReason})` : ''}`];
  if (s.repId) lines.push(`**Rep** ${rep(s)}${s.repName ? ` \`${s.repId}\`` : ''}`);
  if (s.ruleId) lines.push(`**Rule** ${s.ruleId}`);
  if (s.status === 'ASSIGNED' && s.sla) lines.push(s.breached ? `**SLA** breached (was due ${time(s.sla.dueAt)}); ${s.escalationsDone} of ${s.sla.steps.length} escalations done` : `**SLA due** ${time(s.sla.dueAt)}`);
  if (s.reassignments) lines.push(`**Reassignments** ${s.reassignments}${s.sla ? ` of ${s.sla.maxReassignments}` : ''}`);
  if (s.previousReps.length > 1) lines.push(`**Had the lead** ${s.previousReps.join(', ')}`);
  return lines.join('  \n');
}
