#!/usr/bin/env bash
# Installs the Debian tools the tests drive when they are missing and we may install them (root): kcat
# (librdkafka's CLI), and iproute2 + iptables for the torture harness's network namespaces (test/torture/; without
# them, or without root, its test is skipped). Run by `npm test` (pretest) and by .ci/run.
set -euo pipefail
missing=()
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
command -v iptables >/dev/null 2>&1 || missing+=(iptables)
if [ ${#missing[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  if [[ " ${missing[*]} " == *" kcat "* ]]; then
    echo "kcat is not installed and this is not root: install it (apt-get install kcat) to run the tests" >&2
    exit 1
  fi
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "${missing[@]}" >/dev/null
