#!/usr/bin/env bash
# Runs confluent-kafka-go's own tests (Debian's golang-github-confluentinc-confluent-kafka-go-dev: the Go binding
# 0.11.6 over the system librdkafka 2.0.2) against one kafkalite broker, with the testconf.json its integration
# tests read (Brokers, Topic; here also enable.partition.eof, which librdkafka turned off by default after the
# binding was written and its timestamp test waits for). Each test runs on its own, under a time limit, so one
# that hangs counts as failed without stopping the rest. The file engine in a fresh directory, a free port.
#   scripts/confluent-kafka-go-suite.sh [test name regex, default all]
# CONFLUENT_KAFKA_GO_SUITE_MIN_PASS=90 makes it exit 1 when fewer than 90% of the tests that ran pass (CI).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/scripts/lib/suite.sh"
src=${CONFLUENT_KAFKA_GO_SRC:-/usr/share/gocode/src/github.com/confluentinc/confluent-kafka-go/kafka}
work=$here/.tmp/confluent-kafka-go-suite
ensure_built
# cgo against librdkafka-dev.
build_go_tests "confluent-kafka-go suite" "$src" integration_test.go golang-github-confluentinc-confluent-kafka-go-dev "$work/ckg.test"
port=$(node -e 'const s = require("net").createServer().listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); })')
rm -rf "$work/data" "$work/logs" && mkdir -p "$work/logs"
start_kafkalite "$work/broker.log" --port "$port" --data-dir "$work/data" --log-level warn
cat >"$work/testconf.json" <<EOF
{"Brokers": "127.0.0.1:$port", "Topic": "test", "GroupID": "testgroup", "PerfMsgCount": 10000, "Config": ["enable.partition.eof=true"]}
EOF
passed=0 failed=0 skipped=0 failures=()
for t in $("$work/ckg.test" -test.list "${1:-.}" | grep '^Test'); do
  status=0
  (cd "$work" && timeout 90 ./ckg.test -test.v -test.run "^$t\$" -test.timeout 80s >"logs/$t.log" 2>&1) || status=$?
  if grep -q -- "--- SKIP: $t " "$work/logs/$t.log"; then skipped=$((skipped + 1))
  elif [[ $status -eq 0 ]] && grep -q -- "--- PASS: $t " "$work/logs/$t.log"; then passed=$((passed + 1))
  else failed=$((failed + 1)) failures+=("$t"); fi
done
echo "confluent-kafka-go suite: $passed passed, $failed failed, $skipped skipped (logs in $work/logs)"
for t in "${failures[@]}"; do echo "FAIL $t"; done
below_min_pass "confluent-kafka-go suite" "$passed" $((passed + failed)) "${CONFLUENT_KAFKA_GO_SUITE_MIN_PASS:-}" && exit 1
exit 0
