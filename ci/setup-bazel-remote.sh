#!/usr/bin/env bash
# Build the test tools the remote-cache and CI-workflow tests drive for real, from the Go
# module proxy: bazel-remote (a Bazel HTTP remote-cache server) and actionlint (plus
# Debian's shellcheck, which actionlint uses when present). Idempotent:
# an existing binary of the pinned version is kept, so a second run takes milliseconds.
#
# Both are built inside a throwaway module that carries the tool's own go.sum, so every
# dependency is verified against the hashes the tool's authors committed (the checksum
# database is not needed). Binaries go to ${CONNKIT_TEST_BIN:-~/.cache/connkit-test/bin}.
set -euo pipefail

BIN=${CONNKIT_TEST_BIN:-$HOME/.cache/connkit-test/bin}
BAZEL_REMOTE_VERSION=${BAZEL_REMOTE_VERSION:-v2.6.1}
ACTIONLINT_VERSION=${ACTIONLINT_VERSION:-v1.7.12}

# Debian's shellcheck lets actionlint check the workflow's `run:` scripts too (optional).
if ! command -v shellcheck >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  { apt-get -o DPkg::Lock::Timeout=600 install -y -qq shellcheck >/dev/null 2>&1 ||
    { apt-get -o DPkg::Lock::Timeout=600 update -qq >/dev/null 2>&1 && apt-get -o DPkg::Lock::Timeout=600 install -y -qq shellcheck >/dev/null 2>&1; }; } ||
    echo "setup-bazel-remote: could not install shellcheck; actionlint will skip shell checks" >&2
fi

if ! command -v go >/dev/null 2>&1; then
  echo "setup-bazel-remote: go is not installed; the remote-cache tests will be skipped" >&2
  exit 0
fi
mkdir -p "$BIN"
export GOFLAGS=-mod=mod

# build NAME MODULE VERSION PACKAGE
build() {
  local name=$1 module=$2 version=$3 package=$4
  local stamp="$BIN/.$name.version"
  if [ -x "$BIN/$name" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$version" ]; then
    echo "$name $version: already built ($BIN/$name)"
    return
  fi
  local work
  work=$(mktemp -d)
  trap 'rm -rf "$work"' RETURN
  (
    cd "$work"
    printf 'module connkit.local/tools\n\ngo 1.22\n\nrequire %s %s\n' "$module" "$version" > go.mod
    go mod download "$module@$version"
    local dir
    dir=$(go list -m -f '{{.Dir}}' "$module")
    cp "$dir/go.sum" go.sum
    chmod u+w go.sum
    go build -trimpath -o "$BIN/$name.tmp" "$package"
  )
  mv "$BIN/$name.tmp" "$BIN/$name"
  echo "$version" > "$stamp"
  echo "$name $version: built into $BIN/$name"
}

build bazel-remote github.com/buchgr/bazel-remote/v2 "$BAZEL_REMOTE_VERSION" github.com/buchgr/bazel-remote/v2
build actionlint github.com/rhysd/actionlint "$ACTIONLINT_VERSION" github.com/rhysd/actionlint/cmd/actionlint
