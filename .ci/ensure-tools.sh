#!/usr/bin/env bash
# Installs the Debian tools the tests drive when they are missing and we may install them (root): kcat
# (librdkafka's CLI) and chromium (the web console's browser tests, test/integration/console/, drive it headless
# through playwright-core). Run by `npm test` (pretest) and by .ci/run.
set -euo pipefail
missing=()
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "${missing[*]} not installed and this is not root: install it (apt-get install ${missing[*]}) to run the tests" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
