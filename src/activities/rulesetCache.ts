import type { Db } from '../db/knex';
import type { ActiveRuleset } from '../db/orgs';
import { publishedRuleset } from '../db/rulesets';
import { compileRuleset, leadValues, matchRule, type CompiledRuleset, type RuleMatch } from '../routing';

export interface RulesetMatch {
  match: RuleMatch;
  ruleset: { id: string; version: number | null } | null;
}

export const NO_RULESET: RuleMatch = { rule_id: null, source: 'NONE', action: null, sla: null, trace: [] };

/**
 * Compiled rulesets, kept per `id:version` in the worker: a published version never changes, so each is read
 * and compiled once; which version is active, each batch of routing attempts learns with the organization
 * (routingContext).
 */
export class RulesetCache {
  private readonly compiled = new Map<string, CompiledRuleset>();

  constructor(private readonly capacity = 200) {}

  /** The organization's active ruleset as a function of the lead, for any number of leads. */
  async matcherFor(db: Db, active: ActiveRuleset | null): Promise<(lead: Record<string, unknown>) => RulesetMatch> {
    if (!active) return () => ({ match: NO_RULESET, ruleset: null });
    const key = `${active.id}:${active.version}`;
    let rs = this.compiled.get(key);
    if (!rs) {
      const published = await publishedRuleset(db, active.id);
      if (!published) return () => ({ match: NO_RULESET, ruleset: null });
      rs = compileRuleset(published.definition, published.lists ?? {});
      // Oldest out first: Map iteration order is insertion order.
      if (this.compiled.size >= this.capacity) this.compiled.delete(this.compiled.keys().next().value!);
      this.compiled.set(key, rs);
    }
    const compiled = rs;
    return (lead) => ({ match: matchRule(compiled, leadValues(lead)), ruleset: active });
  }
}
