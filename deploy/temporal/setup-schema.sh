#!/bin/sh
# Creates (or upgrades) Temporal's own databases on the shared Postgres. Idempotent: safe on every start.
set -eu
SQL="temporal-sql-tool --plugin postgres12 --ep postgres -u ${POSTGRES_USER} -p 5432"
export SQL_PASSWORD="${POSTGRES_PWD}"
for db in temporal temporal_visibility; do
  $SQL --db "$db" create || true
done
$SQL --db temporal setup-schema -v 0.0 || true
$SQL --db temporal update-schema -d /etc/temporal/schema/postgresql/v12/temporal/versioned
$SQL --db temporal_visibility setup-schema -v 0.0 || true
$SQL --db temporal_visibility update-schema -d /etc/temporal/schema/postgresql/v12/visibility/versioned
echo "Temporal schema ready"
