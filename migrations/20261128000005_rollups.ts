import type { Knex } from 'knex';

const ID = 'text COLLATE "C"';

/**
 * The intelligence rollup tables as they were defined when this migration was written. The statements are
 * spelled out, not generated from src/db/rollups.ts: a migration must do the same thing forever, whatever the
 * live code becomes. A later change to a rollup definition comes with its own migration.
 */
export const CREATE_ROLLUPS = [
  `CREATE TABLE rollup_leads_hour AS SELECT org_id, date_trunc('hour', received_at, 'UTC') AS at, coalesce(team, '') AS team, coalesce(assigned_rep_id, '') AS rep_id, count(*)::int AS received, count(assigned_at)::int AS assigned, count(*) FILTER (WHERE status = 'UNASSIGNED')::int AS unassigned, count(first_touch_at)::int AS contacted, count(*) FILTER (WHERE status = 'CLOSED')::int AS closed, count(*) FILTER (WHERE has_sla AND first_touch_at IS NOT NULL AND breached_at IS NULL)::int AS met, count(breached_at)::int AS breached, count(*) FILTER (WHERE has_sla AND first_touch_at IS NULL AND breached_at IS NULL)::int AS pending, coalesce(sum(reassignment_count), 0)::int AS reassignments
          FROM leads WHERE false GROUP BY 1, 2, 3, 4`,
  `ALTER TABLE rollup_leads_hour ADD PRIMARY KEY (org_id, at, team, rep_id)`,
  `CREATE INDEX rollup_leads_hour_window ON rollup_leads_hour (org_id, at) INCLUDE (team, rep_id, received, assigned, unassigned, contacted, closed, met, breached, pending, reassignments)`,
  `CREATE TABLE rollup_leads_day AS SELECT org_id, date_trunc('hour', received_at, 'UTC') AS at, coalesce(team, '') AS team, coalesce(assigned_rep_id, '') AS rep_id, count(*)::int AS received, count(assigned_at)::int AS assigned, count(*) FILTER (WHERE status = 'UNASSIGNED')::int AS unassigned, count(first_touch_at)::int AS contacted, count(*) FILTER (WHERE status = 'CLOSED')::int AS closed, count(*) FILTER (WHERE has_sla AND first_touch_at IS NOT NULL AND breached_at IS NULL)::int AS met, count(breached_at)::int AS breached, count(*) FILTER (WHERE has_sla AND first_touch_at IS NULL AND breached_at IS NULL)::int AS pending, coalesce(sum(reassignment_count), 0)::int AS reassignments
          FROM leads WHERE false GROUP BY 1, 2, 3, 4`,
  `ALTER TABLE rollup_leads_day ADD PRIMARY KEY (org_id, at, team, rep_id)`,
  `CREATE INDEX rollup_leads_day_window ON rollup_leads_day (org_id, at) INCLUDE (team, rep_id, received, assigned, unassigned, contacted, closed, met, breached, pending, reassignments)`,
  `CREATE TABLE rollup_assign_durations_hour AS SELECT org_id, date_trunc('hour', received_at, 'UTC') AS at, coalesce(team, '') AS team, floor(ln(greatest(EXTRACT(EPOCH FROM (assigned_at - received_at)) * 1000, 0) + 1) * 20)::int AS bucket, count(*)::int AS n
          FROM leads WHERE false AND assigned_at IS NOT NULL GROUP BY 1, 2, 3, 4`,
  `ALTER TABLE rollup_assign_durations_hour ADD PRIMARY KEY (org_id, at, team, bucket)`,
  `CREATE INDEX rollup_assign_durations_hour_window ON rollup_assign_durations_hour (org_id, at) INCLUDE (team, bucket, n)`,
  `CREATE TABLE rollup_assign_durations_day AS SELECT org_id, date_trunc('hour', received_at, 'UTC') AS at, coalesce(team, '') AS team, floor(ln(greatest(EXTRACT(EPOCH FROM (assigned_at - received_at)) * 1000, 0) + 1) * 20)::int AS bucket, count(*)::int AS n
          FROM leads WHERE false AND assigned_at IS NOT NULL GROUP BY 1, 2, 3, 4`,
  `ALTER TABLE rollup_assign_durations_day ADD PRIMARY KEY (org_id, at, team, bucket)`,
  `CREATE INDEX rollup_assign_durations_day_window ON rollup_assign_durations_day (org_id, at) INCLUDE (team, bucket, n)`,
  `CREATE TABLE rollup_touch_durations_hour AS SELECT org_id, date_trunc('hour', received_at, 'UTC') AS at, coalesce(team, '') AS team, floor(ln(greatest(EXTRACT(EPOCH FROM (first_touch_at - received_at)) * 1000, 0) + 1) * 20)::int AS bucket, count(*)::int AS n
          FROM leads WHERE false AND first_touch_at IS NOT NULL GROUP BY 1, 2, 3, 4`,
  `ALTER TABLE rollup_touch_durations_hour ADD PRIMARY KEY (org_id, at, team, bucket)`,
  `CREATE INDEX rollup_touch_durations_hour_window ON rollup_touch_durations_hour (org_id, at) INCLUDE (team, bucket, n)`,
  `CREATE TABLE rollup_touch_durations_day AS SELECT org_id, date_trunc('hour', received_at, 'UTC') AS at, coalesce(team, '') AS team, floor(ln(greatest(EXTRACT(EPOCH FROM (first_touch_at - received_at)) * 1000, 0) + 1) * 20)::int AS bucket, count(*)::int AS n
          FROM leads WHERE false AND first_touch_at IS NOT NULL GROUP BY 1, 2, 3, 4`,
  `ALTER TABLE rollup_touch_durations_day ADD PRIMARY KEY (org_id, at, team, bucket)`,
  `CREATE INDEX rollup_touch_durations_day_window ON rollup_touch_durations_day (org_id, at) INCLUDE (team, bucket, n)`,
  `CREATE TABLE rollup_rep_touch_hour AS SELECT org_id, date_trunc('hour', received_at, 'UTC') AS at, coalesce(team, '') AS team, coalesce(assigned_rep_id, '') AS rep_id, floor(ln(greatest(EXTRACT(EPOCH FROM (first_touch_at - received_at)) * 1000, 0) + 1) * 10)::int AS bucket, count(*)::int AS n
          FROM leads WHERE false AND first_touch_at IS NOT NULL GROUP BY 1, 2, 3, 4, 5`,
  `ALTER TABLE rollup_rep_touch_hour ADD PRIMARY KEY (org_id, at, team, rep_id, bucket)`,
  `CREATE INDEX rollup_rep_touch_hour_window ON rollup_rep_touch_hour (org_id, at) INCLUDE (team, rep_id, bucket, n)`,
  `CREATE TABLE rollup_rep_touch_day AS SELECT org_id, date_trunc('hour', received_at, 'UTC') AS at, coalesce(team, '') AS team, coalesce(assigned_rep_id, '') AS rep_id, floor(ln(greatest(EXTRACT(EPOCH FROM (first_touch_at - received_at)) * 1000, 0) + 1) * 10)::int AS bucket, count(*)::int AS n
          FROM leads WHERE false AND first_touch_at IS NOT NULL GROUP BY 1, 2, 3, 4, 5`,
  `ALTER TABLE rollup_rep_touch_day ADD PRIMARY KEY (org_id, at, team, rep_id, bucket)`,
  `CREATE INDEX rollup_rep_touch_day_window ON rollup_rep_touch_day (org_id, at) INCLUDE (team, rep_id, bucket, n)`,
  `CREATE TABLE rollup_breaches_hour AS SELECT org_id, date_trunc('hour', received_at, 'UTC') AS at, coalesce(team, '') AS team, coalesce(breached_rep_id, '') AS rep_id, count(*)::int AS n
          FROM leads WHERE false AND breached_at IS NOT NULL GROUP BY 1, 2, 3, 4`,
  `ALTER TABLE rollup_breaches_hour ADD PRIMARY KEY (org_id, at, team, rep_id)`,
  `CREATE INDEX rollup_breaches_hour_window ON rollup_breaches_hour (org_id, at) INCLUDE (team, rep_id, n)`,
  `CREATE TABLE rollup_breaches_day AS SELECT org_id, date_trunc('hour', received_at, 'UTC') AS at, coalesce(team, '') AS team, coalesce(breached_rep_id, '') AS rep_id, count(*)::int AS n
          FROM leads WHERE false AND breached_at IS NOT NULL GROUP BY 1, 2, 3, 4`,
  `ALTER TABLE rollup_breaches_day ADD PRIMARY KEY (org_id, at, team, rep_id)`,
  `CREATE INDEX rollup_breaches_day_window ON rollup_breaches_day (org_id, at) INCLUDE (team, rep_id, n)`,
  `CREATE TABLE rollup_rules_hour AS SELECT org_id, date_trunc('hour', received_at, 'UTC') AS at, coalesce(team, '') AS team, coalesce(rule_id, '') AS rule_id, count(*)::int AS n
          FROM leads WHERE false GROUP BY 1, 2, 3, 4`,
  `ALTER TABLE rollup_rules_hour ADD PRIMARY KEY (org_id, at, team, rule_id)`,
  `CREATE INDEX rollup_rules_hour_window ON rollup_rules_hour (org_id, at) INCLUDE (team, rule_id, n)`,
  `CREATE TABLE rollup_rules_day AS SELECT org_id, date_trunc('hour', received_at, 'UTC') AS at, coalesce(team, '') AS team, coalesce(rule_id, '') AS rule_id, count(*)::int AS n
          FROM leads WHERE false GROUP BY 1, 2, 3, 4`,
  `ALTER TABLE rollup_rules_day ADD PRIMARY KEY (org_id, at, team, rule_id)`,
  `CREATE INDEX rollup_rules_day_window ON rollup_rules_day (org_id, at) INCLUDE (team, rule_id, n)`,
  `CREATE TABLE rollup_assignments_hour AS SELECT org_id, date_trunc('hour', assigned_at, 'UTC') AS at, rep_id, count(*)::int AS n
          FROM assignments WHERE false GROUP BY 1, 2, 3`,
  `ALTER TABLE rollup_assignments_hour ADD PRIMARY KEY (org_id, at, rep_id)`,
  `CREATE INDEX rollup_assignments_hour_window ON rollup_assignments_hour (org_id, at) INCLUDE (rep_id, n)`,
  `CREATE TABLE rollup_assignments_day AS SELECT org_id, date_trunc('hour', assigned_at, 'UTC') AS at, rep_id, count(*)::int AS n
          FROM assignments WHERE false GROUP BY 1, 2, 3`,
  `ALTER TABLE rollup_assignments_day ADD PRIMARY KEY (org_id, at, rep_id)`,
  `CREATE INDEX rollup_assignments_day_window ON rollup_assignments_day (org_id, at) INCLUDE (rep_id, n)`,
  `CREATE TABLE rollup_activities_hour AS SELECT org_id, date_trunc('hour', occurred_at, 'UTC') AS at, coalesce(rep_id, '') AS rep_id, type, coalesce(outcome, '') AS outcome, count(*)::int AS n
          FROM activities WHERE false GROUP BY 1, 2, 3, 4, 5`,
  `ALTER TABLE rollup_activities_hour ADD PRIMARY KEY (org_id, at, rep_id, type, outcome)`,
  `CREATE INDEX rollup_activities_hour_window ON rollup_activities_hour (org_id, at) INCLUDE (rep_id, type, outcome, n)`,
  `CREATE TABLE rollup_activities_day AS SELECT org_id, date_trunc('hour', occurred_at, 'UTC') AS at, coalesce(rep_id, '') AS rep_id, type, coalesce(outcome, '') AS outcome, count(*)::int AS n
          FROM activities WHERE false GROUP BY 1, 2, 3, 4, 5`,
  `ALTER TABLE rollup_activities_day ADD PRIMARY KEY (org_id, at, rep_id, type, outcome)`,
  `CREATE INDEX rollup_activities_day_window ON rollup_activities_day (org_id, at) INCLUDE (rep_id, type, outcome, n)`,
  `CREATE TABLE rollup_state (name text PRIMARY KEY, refreshed_until timestamptz NOT NULL)`,
];

export const DROP_ROLLUPS = [
  `DROP TABLE IF EXISTS rollup_leads_hour`,
  `DROP TABLE IF EXISTS rollup_leads_day`,
  `DROP TABLE IF EXISTS rollup_assign_durations_hour`,
  `DROP TABLE IF EXISTS rollup_assign_durations_day`,
  `DROP TABLE IF EXISTS rollup_touch_durations_hour`,
  `DROP TABLE IF EXISTS rollup_touch_durations_day`,
  `DROP TABLE IF EXISTS rollup_rep_touch_hour`,
  `DROP TABLE IF EXISTS rollup_rep_touch_day`,
  `DROP TABLE IF EXISTS rollup_breaches_hour`,
  `DROP TABLE IF EXISTS rollup_breaches_day`,
  `DROP TABLE IF EXISTS rollup_rules_hour`,
  `DROP TABLE IF EXISTS rollup_rules_day`,
  `DROP TABLE IF EXISTS rollup_assignments_hour`,
  `DROP TABLE IF EXISTS rollup_assignments_day`,
  `DROP TABLE IF EXISTS rollup_activities_hour`,
  `DROP TABLE IF EXISTS rollup_activities_day`,
  `DROP TABLE IF EXISTS rollup_state`,
];

export async function up(knex: Knex): Promise<void> {
  // Who held the lead when its SLA first breached: per-rep breach figures count it against that rep.
  await knex.schema.alterTable('leads', (t) => {
    t.specificType('breached_rep_id', ID);
  });
  for (const sql of CREATE_ROLLUPS) await knex.raw(sql);
}

export async function down(knex: Knex): Promise<void> {
  for (const sql of DROP_ROLLUPS) await knex.raw(sql);
  await knex.schema.alterTable('leads', (t) => {
    t.dropColumn('breached_rep_id');
  });
}
