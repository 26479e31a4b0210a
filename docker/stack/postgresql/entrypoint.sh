#!/bin/sh
# First start: initdb, then create the role and database on a socket-only server; then serve.
set -eu
as_pg() { runuser -u postgres -- "$@"; }
chown postgres:postgres "$PGDATA" /run/postgresql
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  as_pg initdb -D "$PGDATA" --auth-local=trust --auth-host=scram-sha-256 -E UTF8 >/dev/null
  echo "host all all 0.0.0.0/0 scram-sha-256" >> "$PGDATA/pg_hba.conf"
  as_pg pg_ctl -D "$PGDATA" -w -o "-c listen_addresses=''" start >/dev/null
  as_pg psql -q -v ON_ERROR_STOP=1 -d postgres \
    -c "CREATE ROLE \"${DB_USER}\" LOGIN PASSWORD '${DB_PASSWORD}'" \
    -c "CREATE DATABASE \"${DB_NAME}\" OWNER \"${DB_USER}\""
  as_pg pg_ctl -D "$PGDATA" -w stop >/dev/null
fi
exec runuser -u postgres -- postgres -D "$PGDATA" -c listen_addresses='*' -c port=5432
