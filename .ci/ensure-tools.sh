#!/usr/bin/env bash
# Installs the Debian tools the tests drive when they are missing and we may install them (root): kcat
# (librdkafka's CLI), chromium (the web console's browser tests, test/integration/console/, drive it headless
# through playwright-core), and iproute2 + iptables (the torture harness's network namespaces, test/torture/; its
# test is skipped without them or without root), and python3-venv (.ci/run's .venv for the confluent-kafka test).
# Run by `npm test` (pretest) and by .ci/run.
set -euo pipefail
missing=()
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
[ -x "${CHROMIUM_PATH:-/usr/bin/chromium}" ] || missing+=(chromium)
optional=()
command -v ip >/dev/null 2>&1 || optional+=(iproute2)
command -v iptables >/dev/null 2>&1 || optional+=(iptables)
# python3 with venv (ensurepip): .ci/run installs confluent-kafka into .venv for its librdkafka test.
python3 -c 'import ensurepip' >/dev/null 2>&1 || optional+=(python3 python3-venv)
if [ ${#missing[@]} -eq 0 ] && [ ${#optional[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
  echo "${missing[*]} not installed and this is not root: install it (apt-get install ${missing[*]}) to run the tests" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" "${optional[@]}" >/dev/null
