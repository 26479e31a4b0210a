#!/bin/bash
# Run the release's migrations (database, then search indexes), then the server in the foreground.
# The marker lines let connkit tell a failed migration from a server that failed to start.
set -uo pipefail
cd /opt/openmetadata
echo "connkit-server: migrations start (bootstrap/bootstrap_storage.sh migrate-all; ${DB_SCHEME:-?} at ${DB_HOST:-?}:${DB_PORT:-?}, search at ${ELASTICSEARCH_HOST:-?}:${ELASTICSEARCH_PORT:-?})"
started=$(date +%s)
./bootstrap/bootstrap_storage.sh migrate-all
code=$?
if [ "$code" -ne 0 ]; then
  echo "connkit-server: migrations failed (exit $code)"
  exit 3
fi
echo "connkit-server: migrations done in $(( $(date +%s) - started )) s; starting the server"
exec ./bin/openmetadata-server-start.sh conf/openmetadata.yaml
