#!/usr/bin/env bash
# Installs the Debian tools the tests drive (kcat = librdkafka's CLI) when they are missing and we may install
# them (root). Run by `npm test` (pretest) and by .ci/run.
set -euo pipefail
if command -v kcat >/dev/null 2>&1; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "kcat is not installed and this is not root: install it (apt-get install kcat) to run the tests" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq kcat >/dev/null
