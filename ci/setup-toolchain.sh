#!/usr/bin/env bash
# The real toolchains `connkit generate/format/test` drive: make, Maven + a JDK, Node.js and
# yarn 1 (the UI's package manager), git (workspaces are git repositories; register's tests
# read diffs), and Graphviz (`connkit graph --output FILE.svg` lays pictures out with `dot`).
# Idempotent: installs only what is missing.
set -euo pipefail

need=()
command -v git >/dev/null || need+=(git)
command -v make >/dev/null || need+=(make)
command -v mvn >/dev/null || need+=(maven)
command -v java >/dev/null || need+=(openjdk-17-jdk-headless)
command -v node >/dev/null || need+=(nodejs)
command -v npm >/dev/null || need+=(npm)
command -v dot >/dev/null || need+=(graphviz)
if [ "${#need[@]}" -gt 0 ]; then
  echo "installing ${need[*]}"
  apt-get -o DPkg::Lock::Timeout=600 update -qq
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=600 install -y -qq "${need[@]}" >/dev/null
fi

# yarn 1.x: OpenMetadata's UI uses a v1 lockfile (npm's `latest` tag for yarn is 2.x).
if ! command -v yarn >/dev/null || [ "$(yarn --version 2>/dev/null | cut -d. -f1)" != "1" ]; then
  echo "installing yarn 1.22.22"
  npm install --global --silent yarn@1.22.22 >/dev/null
fi

echo "make $(make --version | head -1 | awk '{print $3}'), $(mvn -B -v 2>/dev/null | head -1), node $(node --version), yarn $(yarn --version)"
