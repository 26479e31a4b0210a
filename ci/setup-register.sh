#!/usr/bin/env bash
# Tools the register/review tests drive: git (diffs), and for the slow tests Maven (the
# openmetadata-spec jar) and npm (the SARIF 2.1.0 schema). Idempotent: installs only what is missing.
set -euo pipefail
missing=()
command -v git >/dev/null || missing+=(git)
command -v mvn >/dev/null || missing+=(maven)
command -v npm >/dev/null || missing+=(npm)
if [ "${#missing[@]}" -gt 0 ]; then
  echo "installing: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi
git --version
mvn -v | head -1
echo "npm $(npm --version)"
