import type { Routing } from '../schemas/routing';

/**
 * The one-line routing explanation written into the CRM beside the owner (routing_reason_property): which
 * rule sent the lead, how the rep was picked, and who. Short, plain text: a CRM text property, read by people.
 */
export function routingReasonLine(routing: Routing | null, repName: string, at: Date): string {
  const rule = routing?.rule_id ? `rule "${routing.rule_id}"` : routing?.explanation.source === 'FALLBACK' ? 'the ruleset fallback' : 'a manual assignment';
  const stage = routing?.explanation.stages.find((s) => s.rep_id !== null);
  const how = stage ? `${stage.strategy}${stage.pool_key.startsWith('team:') ? ` over team ${stage.pool_key.slice(5)}` : ''}${routing && routing.explanation.stages.indexOf(stage) > 0 ? ' (fallback)' : ''}` : null;
  const owner = stage?.owners?.find((o) => o.rep_id === stage.rep_id);
  const via = owner ? `, the ${owner.source}'s ${owner.crm} owner` : '';
  const version = routing?.ruleset_version ? ` of ruleset v${routing.ruleset_version}` : '';
  return `Routeswit ${at.toISOString().slice(0, 16).replace('T', ' ')} UTC: ${rule}${version}${how ? `, ${how}` : ''} → ${repName}${via}`.slice(0, 500);
}
