import type { Db } from '../db/knex';
import type { ActiveRuleset } from '../db/orgs';
import { publishedRuleset } from '../db/rulesets';
import { ownTurn } from '../concurrency';
import { compileRuleset, leadValues, matchRule, type CompiledRuleset, type RuleMatch } from '../routing';

export interface RulesetMatch {
  match: RuleMatch;
  ruleset: { id: string; version: number | null } | null;
}

export const NO_RULESET: RuleMatch = { rule_id: null, source: 'NONE', action: null, sla: null, trace: [] };

/**
 * Compiled rulesets, kept per `id:version` in the worker and the API: a published version never changes, so
 * each is read and compiled once; which version is active, each batch of routing attempts learns with the
 * organization (routingContext), and each simulation with a head-only read of the ruleset.
 */
export class RulesetCache {
  private readonly byVersion = new Map<string, CompiledRuleset>();

  constructor(private readonly capacity = 200) {}

  /**
   * A published version, compiled (read and compiled on first use); null when it no longer exists. The
   * organization's compiling takes its turns beside other organizations' work, not in front of it.
   */
  async compiled(db: Db, orgId: string, ruleset: ActiveRuleset): Promise<CompiledRuleset | null> {
    const key = `${ruleset.id}:${ruleset.version}`;
    let rs = this.byVersion.get(key);
    if (!rs) {
      const published = await publishedRuleset(db, ruleset.id);
      if (!published) return null;
      // A large ruleset compiles for tens of milliseconds: in a turn of its own, like an evaluation.
      rs = await ownTurn(() => compileRuleset(published.definition, published.lists ?? {}), orgId);
      // Oldest out first: Map iteration order is insertion order.
      if (this.byVersion.size >= this.capacity) this.byVersion.delete(this.byVersion.keys().next().value!);
      this.byVersion.set(key, rs);
    }
    return rs;
  }

  /** The organization's active ruleset as a function of the lead, for any number of leads. */
  async matcherFor(db: Db, orgId: string, active: ActiveRuleset | null): Promise<(lead: Record<string, unknown>) => RulesetMatch> {
    const compiled = active ? await this.compiled(db, orgId, active) : null;
    if (!compiled) return () => ({ match: NO_RULESET, ruleset: null });
    return (lead) => ({ match: matchRule(compiled, leadValues(lead)), ruleset: active });
  }
}
