import { createHash } from 'node:crypto';
import * as leads from '../db/leads';
import { rulesetDefinition } from '../db/rulesets';
import { findStep, insertEvent, keepLatest } from '../db/timeline';
import { conflict, invalid, notFound } from '../errors';
import { newId } from '../ids';
import { rerouteUpdate } from '../lead/messages';
import { rerouteFields } from '../routing';
import { jsonBytes, leadTooLarge, MAX_LEAD_BYTES, PATCHABLE_FIELDS, type LeadPatch, type LeadUpdateResult } from '../schemas/leads';
import { LEAD_FIELDS } from '../routing/schema';
import { CommandRejected, sendLeadCommand } from '../temporal/leads';
import type { ServiceDeps } from './deps';
import { checkAttributeCount } from './attributes';
import { getLead, headlineOf, updateIdFor, type CommandOptions } from './leads';

type Changes = Record<string, { from: unknown; to: unknown }>;

/** UPDATED events a lead's timeline keeps: its latest changes, not every one an integration ever sent. */
export const UPDATES_KEPT = 100;
type Trigger = LeadUpdateResult['reroute']['trigger'];

const same = (a: unknown, b: unknown) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);

/** What the patch changes, field by field (attributes as attributes.<name>), and the values to write. */
function diff(row: leads.LeadRow, patch: LeadPatch): { changes: Changes; values: Parameters<typeof leads.updateLeadData>[2] } {
  const changes: Changes = {};
  const values: Record<string, unknown> = {};
  for (const f of PATCHABLE_FIELDS) {
    if (!(f in patch)) continue;
    const to = patch[f] ?? null;
    const from = f === 'employees' && row.employees !== null ? Number(row.employees) : row[f];
    if (same(from, to)) continue;
    changes[f] = { from, to };
    values[f] = to;
  }
  if (patch.attributes) {
    const merged: Record<string, unknown> = { ...row.attributes };
    for (const [name, to] of Object.entries(patch.attributes)) {
      if (same(row.attributes[name], to)) continue;
      changes[`attributes.${name}`] = { from: row.attributes[name] ?? null, to };
      if (to === null) delete merged[name];
      else merged[name] = to;
    }
    if (Object.keys(changes).some((k) => k.startsWith('attributes.'))) {
      checkAttributeCount(Object.keys(merged).length, 'lead');
      values.attributes = merged;
    }
  }
  if (Object.keys(changes).length) checkLeadSize({ ...Object.fromEntries(LEAD_FIELDS.map((f) => [f, row[f]])), attributes: row.attributes, ...values });
  return { changes, values };
}

/** The lead-size cap holds for the lead as the update leaves it, as for a new one. */
function checkLeadSize(lead: Record<string, unknown>): void {
  const bytes = jsonBytes(lead);
  if (bytes > MAX_LEAD_BYTES) throw invalid(`Invalid request body: ${leadTooLarge(bytes)}`, [{ path: '(root)', message: leadTooLarge(bytes) }]);
}

/** Why the lead should be routed again after this change, if it should. */
async function rerouteTrigger(deps: ServiceDeps, row: leads.LeadRow, changes: Changes, asked: boolean): Promise<{ trigger: Trigger; fields: string[] }> {
  const changed = Object.keys(changes);
  if (row.status === 'CLOSED') return { trigger: null, fields: [] };
  if (row.status === 'ROUTING' || row.status === 'UNASSIGNED') return { trigger: asked || changed.length ? 'WAITING' : null, fields: [] };
  if (asked) return { trigger: 'REQUESTED', fields: [] };
  const definition = row.routing?.ruleset_id && changed.length ? await rulesetDefinition(deps.db, row.routing.ruleset_id) : undefined;
  const fields = definition ? rerouteFields(definition, row.routing?.rule_id ?? null, changed) : [];
  return { trigger: fields.length ? 'RULE' : null, fields };
}

/**
 * Changes a lead's data and, when that should change who has it, routes it again through its workflow (which
 * owns the routing state). The change and its UPDATED event are one transaction. With an Idempotency-Key the
 * event's step key comes from it, so a retry after a failed re-route finds the change it made and re-routes
 * on it, instead of seeing nothing left to change.
 */
export async function updateLead(deps: ServiceDeps, orgId: string, id: string, patch: LeadPatch, opts: CommandOptions = {}): Promise<LeadUpdateResult> {
  const stepKey = `update:${opts.idempotencyKey ? createHash('sha256').update(opts.idempotencyKey).digest('hex').slice(0, 32) : newId('event')}`;
  const { before, changes } = await deps.db.transaction(async (trx) => {
    const row = await leads.lockLead(trx, orgId, id);
    if (!row) throw notFound('Lead');
    const earlier = opts.idempotencyKey ? await findStep(trx, id, stepKey) : undefined;
    if (earlier) return { before: row, changes: (earlier.data.changes ?? {}) as Changes };
    if (patch.reroute && row.status === 'CLOSED') throw conflict('The lead is closed: it cannot be routed again');
    const d = diff(row, patch);
    if (!Object.keys(d.changes).length) return { before: row, changes: d.changes };
    const at = new Date();
    await leads.updateLeadData(trx, id, d.values, at);
    await insertEvent(trx, { org_id: orgId, lead_id: id, type: 'UPDATED', step_key: stepKey, occurred_at: at, data: { changes: d.changes } });
    await keepLatest(trx, id, 'UPDATED', UPDATES_KEPT);
    return { before: row, changes: d.changes };
  });
  const { trigger, fields } = await rerouteTrigger(deps, before, changes, patch.reroute === true);
  let message: string | null = null;
  if (trigger) {
    try {
      const reply = await sendLeadCommand(deps.temporal, orgId, id, rerouteUpdate, { keepIfSameRule: trigger === 'RULE' }, { updateId: updateIdFor('reroute', id, opts), headline: headlineOf(before) });
      message = reply.reason ?? null;
    } catch (err) {
      if (!(err instanceof CommandRejected)) throw err;
      message = err.message;
    }
  }
  const lead = await getLead(deps, orgId, id);
  const moved = trigger !== null && lead.assigned_rep_id !== null && lead.assigned_rep_id !== before.assigned_rep_id;
  if (trigger && !moved && !message) message = lead.status === 'UNASSIGNED' ? `still no rep: ${lead.unassigned_reason}` : 'routing left the lead where it was';
  return { ...lead, reroute: { trigger, fields, moved, message } };
}
