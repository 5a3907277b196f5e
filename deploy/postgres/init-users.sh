#!/bin/sh
# Separate database users: Temporal owns its two databases, Routeswit owns its own, neither can reach the
# other's, and neither is the superuser. Postgres runs this on a fresh volume; it is idempotent, so on an
# existing volume run it once by hand: docker compose exec postgres sh /docker-entrypoint-initdb.d/10-users.sh
set -eu
: "${TEMPORAL_DB_PASSWORD:?}" "${ROUTESWIT_DB_PASSWORD:?}"
T="${TEMPORAL_DB_USER:-temporal}"
R="${ROUTESWIT_DB_USER:-routeswit}"
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname postgres ${PGHOST:+--host "$PGHOST"} \
  -v t="$T" -v r="$R" -v t_pw="$TEMPORAL_DB_PASSWORD" -v r_pw="$ROUTESWIT_DB_PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'t') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'t') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'r') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'r') \gexec
ALTER ROLE :"t" PASSWORD :'t_pw';
ALTER ROLE :"r" PASSWORD :'r_pw';
SELECT format('CREATE DATABASE %I OWNER %I', d, :'t') FROM unnest(ARRAY[:'t', :'t' || '_visibility']) AS d
  WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = d) \gexec
SELECT format('CREATE DATABASE %I OWNER %I', :'r', :'r') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'r') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', d) FROM unnest(ARRAY[:'t', :'t' || '_visibility', :'r']) AS d \gexec
SQL
echo "database users $T and $R ready"
