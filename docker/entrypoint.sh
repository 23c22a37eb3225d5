#!/bin/sh
# The image's entrypoint: runs `kafka-broker <args>` (default `start`) as a child of this shell and forwards the
# signals Docker sends to it, so that `docker stop` (SIGTERM, then SIGKILL after the grace period) and Ctrl-C
# (SIGINT) reach the broker, which shuts down cleanly: it resigns leadership, closes its logs and writes its
# clean-shutdown markers, so the next start skips log recovery. The shell is PID 1: it also reaps the children
# that PID 1 inherits, and it exits with the broker's exit status (0 after a clean shutdown).
cd "$(dirname "$0")/.." || exit 1
node --max-semi-space-size=16 bin/kafka-broker.js "$@" &
child=$!
forward() {
  kill "-$1" "$child" 2>/dev/null
}
trap 'forward TERM' TERM
trap 'forward INT' INT
trap 'forward HUP' HUP
trap 'forward USR1' USR1
trap 'forward USR2' USR2
# A trapped signal interrupts `wait` (status > 128) while the broker still runs: wait again until it has exited.
while :; do
  wait "$child"
  status=$?
  kill -0 "$child" 2>/dev/null || break
done
exit "$status"
