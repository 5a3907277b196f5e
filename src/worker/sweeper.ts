import type { Db } from '../db/knex';
import type { ActivityRow } from '../db/contacts';
import type { Logger } from '../logger';
import { deliverFirstTouch } from '../services/contacts';
import type { Temporal } from '../temporal/client';
import { ensureLeadWorkflow } from '../temporal/leads';
import { ensureDigestSchedule, ensureRollupSchedules } from '../temporal/schedules';

/**
 * Makes up for messages that could not reach Temporal when they happened:
 * - a lead stored while Temporal was unreachable (or whose API process died right after the insert) is still
 *   ROUTING: its workflow is started (idempotently: an existing run is reused);
 * - a first touch logged while Temporal was unreachable is delivered to the lead's workflow;
 * - every organization has its daily digest schedule, and the intelligence rollups theirs.
 */
export interface SweeperOptions {
  db: Db;
  temporal: Temporal;
  logger: Logger;
  intervalMs?: number;
  /** Leave fresh leads to the API that is handling them. */
  graceMs?: number;
}

const scheduled = new Set<string>();

/** Schedules are created once per process and organization; creating an existing one is a no-op anyway. */
async function ensureSchedules(o: SweeperOptions): Promise<void> {
  if (!scheduled.has('*')) {
    await ensureRollupSchedules(o.temporal);
    scheduled.add('*');
  }
  const orgs: Array<{ id: string }> = await o.db('organizations').select('id');
  for (const { id } of orgs) {
    if (scheduled.has(id)) continue;
    await ensureDigestSchedule(o.temporal, id);
    scheduled.add(id);
  }
}

export async function sweepOnce(o: SweeperOptions): Promise<{ started: number; touches: number }> {
  await ensureSchedules(o);
  const grace = `${Math.round((o.graceMs ?? 10_000) / 1000)} seconds`;
  const stuck: Array<{ id: string; org_id: string }> = await o.db('leads')
    .where({ status: 'ROUTING' })
    .andWhere('received_at', '<', o.db.raw(`now() - interval '${grace}'`))
    .orderBy('received_at')
    .limit(200)
    .select('id', 'org_id');
  let started = 0;
  for (const lead of stuck) {
    await ensureLeadWorkflow(o.temporal, lead.org_id, lead.id);
    started++;
  }
  const missed: Array<ActivityRow & { lead_id_pending: string }> = await o.db('activities as a')
    .join('leads as l', function join() {
      this.on('l.contact_id', 'a.contact_id').andOn('l.assigned_rep_id', 'a.rep_id');
    })
    .where('l.status', 'ASSIGNED')
    .whereIn('a.type', ['CALL', 'MEETING', 'EMAIL'])
    .where('a.first_touch', false)
    .whereRaw('a.created_at >= l.assigned_at')
    .andWhere('a.created_at', '<', o.db.raw(`now() - interval '${grace}'`))
    .limit(200)
    .select('a.*', 'l.id as lead_id_pending');
  let touches = 0;
  for (const a of missed) if (await deliverFirstTouch(o, a.org_id, a.lead_id_pending, a)) touches++;
  return { started, touches };
}

export function startSweeper(o: SweeperOptions): { stop(): Promise<void> } {
  let running: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    running = sweepOnce(o)
      .then((r) => {
        if (r.started || r.touches) o.logger.info(r, 'sweeper caught up');
      })
      .catch((err) => o.logger.warn({ err }, 'sweep failed; next round will retry'));
  }, o.intervalMs ?? 15_000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
