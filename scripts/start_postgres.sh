#!/usr/bin/env bash
# Install (Debian's package) and start a local PostgreSQL server with a budget_hpo role and a
# budget_hpo_test database, for the multi-worker tests and for trying a PostgreSQL storage:
#   bash scripts/start_postgres.sh
#   PGPASSWORD=budget_hpo budget-hpo -m search=phase1 hydra.sweeper.storage=postgresql+psycopg2://budget_hpo@127.0.0.1:5432/budget_hpo_test
set -euo pipefail
if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
pg_lsclusters -h | awk '{print $1, $2}' | grep -q "^$version main$" || pg_createcluster "$version" main >/dev/null
pg_ctlcluster "$version" main start 2>/dev/null || pg_ctlcluster "$version" main status >/dev/null
for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 && break; sleep 1; done
psql_as_postgres() { su postgres -c "psql -v ON_ERROR_STOP=1 -qtA -c \"$1\""; }
[ "$(psql_as_postgres "SELECT 1 FROM pg_roles WHERE rolname='budget_hpo'")" = 1 ] ||
  psql_as_postgres "CREATE ROLE budget_hpo LOGIN SUPERUSER PASSWORD 'budget_hpo'"
[ "$(psql_as_postgres "SELECT 1 FROM pg_database WHERE datname='budget_hpo_test'")" = 1 ] ||
  su postgres -c "createdb -O budget_hpo budget_hpo_test"
echo "PostgreSQL $version ready: postgresql+psycopg2://budget_hpo:budget_hpo@127.0.0.1:5432/budget_hpo_test"
