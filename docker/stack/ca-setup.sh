#!/bin/sh
# Trust the CA bundle connkit put into the build context (empty file: nothing extra to trust).
# A TLS-intercepting proxy's CA must be trusted by apt's https sources, pip, uv, npm and Maven.
set -eu
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ca-certificates >/dev/null
if [ -s /tmp/connkit-ca-bundle.crt ]; then
  cp /tmp/connkit-ca-bundle.crt /usr/local/share/ca-certificates/connkit-bundle.crt
  update-ca-certificates >/dev/null 2>&1
fi
rm -f /tmp/connkit-ca-bundle.crt
