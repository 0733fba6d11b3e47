#!/usr/bin/env bash
# Runs kafkajs v2.2.4's own integration suite (../shared/kafkajs-suite) against a kafkalite cluster started with
# `--preset kafkajs-suite` (3 brokers; PLAINTEXT 9092/9095/9098, SSL 9093/9096/9099, SASL_SSL 9094/9097/9100).
#   scripts/kafkajs-suite.sh [--group all|broker|admin|producer|consumer|others] [run.sh options...]
# The suite is copied and installed once into $KAFKAJS_SUITE_WORKDIR (default .tmp/kafkajs-suite, cached).
# OAUTHBEARER_ENABLED=1 runs the OAUTHBEARER variant (the suite's separate docker-compose run).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
suite=${KAFKAJS_SUITE_DIR:-$here/../shared/kafkajs-suite}
export KAFKAJS_SUITE_WORKDIR=${KAFKAJS_SUITE_WORKDIR:-$here/.tmp/kafkajs-suite}
[[ -d $suite ]] || { echo "kafkajs suite not found at $suite" >&2; exit 1; }
[[ -f $here/dist/cli.js ]] || (cd "$here" && npm run build >/dev/null)
log=${KAFKALITE_SUITE_LOG:-$here/.tmp/kafkalite-suite.log}
mkdir -p "$(dirname "$log")"
extra=()
[[ ${OAUTHBEARER_ENABLED:-} == 1 ]] && extra+=(--override sasl.enabled.mechanisms=OAUTHBEARER)
node "$here/bin/kafkalite" --preset kafkajs-suite --memory --log-level warn "${extra[@]}" >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null' EXIT
for _ in $(seq 1 100); do grep -q 'kafkalite ready' "$log" && break; sleep 0.1; done
grep -q 'kafkalite ready' "$log" || { echo "kafkalite did not start:" >&2; cat "$log" >&2; exit 1; }
bash "$suite/run.sh" "$@"
