import { checkQuota } from './quotas';
import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import type { ServiceDeps } from './deps';
import * as store from '../db/rulesets';
import { loadSelectionContext } from '../db/routingState';
import { accountCandidates } from '../routing/domains';
import { conflict, formatPath, fromZod, invalid, notFound, type ErrorDetail } from '../errors';
import { newId } from '../ids';
import { compileRuleset, leadValues, matchRule, selectRep, slaDeadline, type CompiledRuleset } from '../routing';
import { RulesetCache } from '../activities/rulesetCache';
import { listReferences, poolReferences, RulesetDefinitionSchema, type RulesetDefinition } from '../routing/schema';
import { currentListsOf, listDigests } from '../db/lists';
import { ListValuesCache } from './listCache';
import { requireBacktest } from './backtests';
import { ownTurn } from '../concurrency';
import type { Page } from '../schemas/common';
import type { Ruleset, RulesetCreate, RulesetListQuery, RulesetUpdate, SimulateRequest, SimulateResponse } from '../schemas/rulesets';
import type { Logger } from '../logger';
import type { Temporal } from '../temporal/client';
import { wakeAllWaiting } from './leadSignals';
import { iso, toPage } from './paging';

type Conn = Db | Knex.Transaction;

export function presentRuleset(row: store.RulesetRow): Ruleset {
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    version: row.version,
    rules: row.definition.rules,
    fallback: row.definition.fallback ?? null,
    sla: row.definition.sla ?? null,
    lists: row.lists ? Object.fromEntries(Object.entries(row.lists).map(([name, values]) => [name, { value_count: values.length }])) : null,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
    published_at: iso(row.published_at),
    activated_at: iso(row.activated_at),
  };
}

function definitionOf(input: { rules: RulesetDefinition['rules']; fallback?: RulesetDefinition['fallback'] | null; sla?: RulesetDefinition['sla'] | null }): RulesetDefinition {
  return {
    rules: input.rules,
    ...(input.fallback ? { fallback: input.fallback } : {}),
    ...(input.sla ? { sla: input.sla } : {}),
  };
}

/**
 * What the schema cannot know: every rep a ruleset names must be an active rep of this organization, and
 * every team must have at least one active rep. Each problem is reported at its exact path.
 */
export async function checkReferences(db: Conn, orgId: string, def: RulesetDefinition): Promise<void> {
  const { repIds, teams } = poolReferences(def);
  const details: ErrorDetail[] = [];
  const listRefs = listReferences(def);
  const existing = await listDigests(db, orgId, listRefs.map((l) => l.name));
  for (const ref of listRefs) {
    if (!existing.has(ref.name)) details.push({ path: formatPath(ref.path), message: `unknown list "${ref.name}" (create it with PUT /v1/lists/${ref.name})` });
  }
  const known = await store.activeRepIds(db, orgId, [...new Set(repIds.map((r) => r.id))]);
  for (const ref of repIds) {
    const active = known.get(ref.id);
    if (active === undefined) details.push({ path: formatPath(ref.path), message: `unknown rep ${ref.id}` });
    else if (!active) details.push({ path: formatPath(ref.path), message: `rep ${ref.id} has been deleted` });
  }
  const staffed = await store.teamsWithReps(db, orgId, [...new Set(teams.map((t) => t.team))]);
  for (const ref of teams) {
    if (!staffed.has(ref.team)) details.push({ path: formatPath(ref.path), message: `team "${ref.team}" has no active rep` });
  }
  if (details.length) throw invalid(`Invalid ruleset: ${details[0]!.path} ${details[0]!.message}`, details);
}

export async function createRuleset(deps: Pick<ServiceDeps, 'db' | 'config'>, orgId: string, input: RulesetCreate): Promise<Ruleset> {
  const { db } = deps;
  const definition = definitionOf(input);
  await checkReferences(db, orgId, definition);
  return db.transaction(async (trx) => {
    await checkQuota(trx, deps.config, orgId, 'MAX_DRAFT_RULESETS_PER_ORG');
    return presentRuleset(await store.insertRuleset(trx, { id: newId('ruleset'), org_id: orgId, name: input.name, definition }));
  });
}

async function mustFind(db: Conn, orgId: string, id: string, forUpdate = false): Promise<store.RulesetRow> {
  const row = await store.findRuleset(db, orgId, id, forUpdate);
  if (!row) throw notFound('Ruleset');
  return row;
}

export async function getRuleset(deps: Pick<ServiceDeps, 'db'>, orgId: string, id: string): Promise<Ruleset> {
  const { db } = deps;
  return presentRuleset(await mustFind(db, orgId, id));
}

export async function getActiveRuleset(deps: Pick<ServiceDeps, 'db'>, orgId: string): Promise<Ruleset> {
  const { db } = deps;
  const row = await store.findActiveRuleset(db, orgId);
  if (!row) throw notFound('Active ruleset');
  return presentRuleset(row);
}

export async function listRulesets(deps: Pick<ServiceDeps, 'db'>, orgId: string, q: RulesetListQuery): Promise<Page<Ruleset>> {
  const { db } = deps;
  return toPage(await store.listRulesets(db, orgId, q.status, q.cursor, q.limit + 1), q.limit, presentRuleset);
}

const immutable = (row: store.RulesetRow) =>
  conflict(`Ruleset ${row.id} is ${row.status} (version ${row.version}); published versions are immutable. Create a new draft instead.`);

export async function updateRuleset(deps: Pick<ServiceDeps, 'db'>, orgId: string, id: string, patch: RulesetUpdate): Promise<Ruleset> {
  const { db } = deps;
  return db.transaction(async (trx) => {
    const row = await mustFind(trx, orgId, id, true);
    if (row.status !== 'DRAFT') throw immutable(row);
    const merged = definitionOf({
      rules: patch.rules ?? row.definition.rules,
      fallback: patch.fallback === undefined ? row.definition.fallback : patch.fallback,
      sla: patch.sla === undefined ? row.definition.sla : patch.sla,
    });
    // What only the whole ruleset can say (unique rule ids, nesting, condition count, size) holds after a merge too.
    const whole = RulesetDefinitionSchema.safeParse(merged);
    if (!whole.success) throw fromZod(whole.error, 'ruleset');
    await checkReferences(trx, orgId, merged);
    const updated = await store.updateDraft(trx, orgId, id, { name: patch.name ?? row.name, definition: merged });
    return presentRuleset(updated!);
  });
}

export async function deleteRuleset(deps: Pick<ServiceDeps, 'db'>, orgId: string, id: string): Promise<Ruleset> {
  const { db } = deps;
  return db.transaction(async (trx) => {
    const row = await mustFind(trx, orgId, id, true);
    if (row.status !== 'DRAFT') throw conflict(`Only drafts can be deleted; ${row.id} is ${row.status}`);
    await store.deleteDraft(trx, orgId, id);
    return presentRuleset(row);
  });
}

/**
 * Makes the ruleset the organization's one ACTIVE ruleset, in one transaction: a draft gets the next
 * version number; an archived version becomes active again (a rollback); the previous active one is
 * archived. A version keeps the values of the lists it uses as they were at its first publication.
 * Publishing the active ruleset again changes nothing, unless a list it uses was edited since: then a copy is
 * published as the next version, with the lists as they are now (the answer is that new ruleset).
 */
export async function publishRuleset(deps: { db: Db; temporal: Temporal; logger: Logger }, orgId: string, id: string, opts: { requireBacktest?: boolean } = {}): Promise<Ruleset> {
  if (opts.requireBacktest) await requireBacktest(deps, orgId, id);
  const published = await deps.db.transaction(async (trx) => {
    await store.lockOrganization(trx, orgId);
    let row = await mustFind(trx, orgId, id, true);
    const lists = await currentListsOf(trx, orgId, row.definition);
    if (row.status === 'ACTIVE') {
      if (sameLists(row.lists ?? {}, lists)) return presentRuleset(row);
      row = await store.copyAsDraft(trx, row, newId('ruleset'));
    }
    await checkReferences(trx, orgId, row.definition);
    return presentRuleset(await store.activate(trx, orgId, row.id, lists));
  });
  // Leads waiting for a rep or a matching rule get another chance under the new rules.
  await wakeAllWaiting(deps.db, deps.temporal.client, orgId).catch((err) => deps.logger.warn({ err }, 'could not wake waiting leads'));
  return published;
}

function sameLists(a: Record<string, unknown[]>, b: Record<string, unknown[]>): boolean {
  const names = Object.keys(a).sort();
  return JSON.stringify(names) === JSON.stringify(Object.keys(b).sort()) && names.every((n) => JSON.stringify(a[n]) === JSON.stringify(b[n]));
}

/**
 * Published rulesets as this process compiled them (a published version never changes): a simulation against
 * one reads its head, not its definition, and compiles nothing. Drafts change, so they are read each time.
 */
const published = new RulesetCache();
const listCache = new ListValuesCache();

interface SimulatedRuleset {
  id: string | null;
  version: number | null;
  compiled: CompiledRuleset;
}

async function rulesetForSimulation(deps: Pick<ServiceDeps, 'db'>, orgId: string, req: SimulateRequest): Promise<SimulatedRuleset> {
  const { db } = deps;
  // Compiling is paid in a turn of its own (ownTurn), the organization's: simulations that arrive together do
  // not hold the API for their sum, nor put one organization's burst in front of another's requests.
  const compile = (definition: RulesetDefinition, lists: Record<string, Array<string | number>>) => ownTurn(() => compileRuleset(definition, lists), orgId);
  if (req.ruleset) {
    const definition = definitionOf(req.ruleset);
    await checkReferences(db, orgId, definition);
    return { id: null, version: null, compiled: await compile(definition, await listCache.currentListsOf(db, orgId, definition)) };
  }
  const head = await store.findRulesetHead(db, orgId, req.ruleset_id);
  if (!head) throw req.ruleset_id ? notFound('Ruleset') : notFound('Active ruleset (publish one, or pass ruleset_id or ruleset)');
  const cached = head.status !== 'DRAFT' && head.version !== null && head.has_lists ? await published.compiled(db, orgId, { id: head.id, version: head.version }) : null;
  if (cached) return { id: head.id, version: head.version, compiled: cached };
  const row = await store.findRuleset(db, orgId, head.id);
  if (!row) throw notFound('Ruleset');
  return { id: row.id, version: row.version, compiled: await compile(row.definition, row.lists ?? (await listCache.currentListsOf(db, orgId, row.definition))) };
}

/**
 * Routes a lead exactly as the lead workflow would at this moment, with the real rep and pool state, and
 * writes nothing.
 */
export async function simulate(deps: Pick<ServiceDeps, 'db'>, orgId: string, req: SimulateRequest): Promise<SimulateResponse> {
  const rs = await rulesetForSimulation(deps, orgId, req);
  const now = req.at ? Date.parse(req.at) : Date.now();
  const match = await ownTurn(() => matchRule(rs.compiled, leadValues(req.lead)), orgId);
  const ctx = match.action ? await loadSelectionContext(deps.db, orgId, match.action, { email: req.lead.email, accountDomains: accountCandidates(req.lead), attributes: req.lead.attributes }, { now, lock: false }) : null;
  const selection = match.action && ctx ? selectRep(match.action, ctx) : null;
  const rep = selection?.rep_id ? ctx!.reps[selection.rep_id] : undefined;
  return {
    assigned_rep_id: rep?.id ?? null,
    routing: {
      ruleset_id: rs.id,
      ruleset_version: rs.version,
      rule_id: match.rule_id,
      strategy: match.action?.strategy ?? null,
      explanation: { rules: match.trace, source: match.source, stages: selection?.stages ?? [] },
    },
    sla_due_at: rep && match.sla ? new Date(slaDeadline(now, match.sla, rep)).toISOString() : null,
  };
}
