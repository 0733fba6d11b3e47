#!/usr/bin/env bash
# Runs kafkajs v2.2.4's own integration suite (../shared/kafkajs-suite) against a kafkalite cluster started with
# `--preset kafkajs-suite` (3 brokers; PLAINTEXT 9092/9095/9098, SSL 9093/9096/9099, SASL_SSL 9094/9097/9100).
#   scripts/kafkajs-suite.sh [--group all|broker|admin|producer|consumer|others] [run.sh options...]
# KAFKAJS_SUITE_MIN_PASS=90 makes it exit 1 when fewer than 90% of the broker-dependent tests that ran pass (CI).
# The suite is copied and installed once into $KAFKAJS_SUITE_WORKDIR (default .tmp/kafkajs-suite, cached).
# OAUTHBEARER_ENABLED=1 runs the OAUTHBEARER variant (the suite's separate docker-compose run).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/scripts/lib/suite.sh"
suite=${KAFKAJS_SUITE_DIR:-$here/../shared/kafkajs-suite}
export KAFKAJS_SUITE_WORKDIR=${KAFKAJS_SUITE_WORKDIR:-$here/.tmp/kafkajs-suite}
[[ -d $suite ]] || { echo "kafkajs suite not found at $suite" >&2; exit 1; }
ensure_built
log=${KAFKALITE_SUITE_LOG:-$here/.tmp/kafkalite-suite.log}
mkdir -p "$(dirname "$log")"
extra=()
# As its docker-compose.2_4_oauthbearer.yml: OAUTHBEARER only, sessions re-authenticated every 15 s.
[[ ${OAUTHBEARER_ENABLED:-} == 1 ]] && extra+=(--override sasl.enabled.mechanisms=OAUTHBEARER --override connections.max.reauth.ms=15000)
# KAFKAJS_SUITE_FILE_ENGINE=1: the file engine (the CLI's default) in a fresh data directory instead of memory.
storage=(--memory)
if [[ ${KAFKAJS_SUITE_FILE_ENGINE:-} == 1 ]]; then
  rm -rf "$here/.tmp/kafkajs-suite-data"
  storage=(--data-dir "$here/.tmp/kafkajs-suite-data")
fi
start_kafkalite "$log" --preset kafkajs-suite "${storage[@]}" --log-level warn "${extra[@]}"
out=$KAFKAJS_SUITE_WORKDIR/result-kafkalite.json
# Outside the work dir: run.sh recreates that directory when it (re)installs the suite.
summary=$(dirname "$log")/kafkajs-suite-summary.txt
# The shim makes addPartitions.sh's `docker ps` / `docker exec ... kafka-topics --alter` work without Docker (see it).
PATH="$here/scripts/kafkajs-suite-docker-shim:$PATH" bash "$suite/run.sh" --out "$out" "$@" | tee "$summary"
# run.sh's summary line: "broker-dependent tests: PASSED/RAN pass ...".
counts=$(grep -o -E 'broker-dependent tests: [0-9]+/[0-9]+' "$summary" | grep -o -E '[0-9]+/[0-9]+' || echo 0/0)
if below_min_pass "kafkajs suite (broker-dependent tests)" "${counts%/*}" "${counts#*/}" "${KAFKAJS_SUITE_MIN_PASS:-}"; then
  node "$suite/summarize.mjs" "$out" --list | grep -E '^(failed|pending)' >&2 || true
  exit 1
fi
