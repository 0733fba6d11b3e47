#!/usr/bin/env bash
# Runs segmentio/kafka-go's own tests (Debian's golang-github-segmentio-kafka-go-dev, kafka-go 0.2.1: Produce v2,
# Fetch v2, Metadata v1 and magic 0/1 message sets, gzip/snappy/lz4) against one kafkalite broker, as its
# docker-compose set one up: localhost:9092, broker id 1, topics auto-created. The file engine in a fresh directory.
#   scripts/kafka-go-suite.sh [go test flags, e.g. -test.run TestConn]
# KAFKA_GO_SUITE_MIN_PASS=95 makes it exit 1 when fewer than 95% of the tests (subtests counted) pass (CI).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/scripts/lib/suite.sh"
src=${KAFKA_GO_SRC:-/usr/share/gocode/src/github.com/segmentio/kafka-go}
work=$here/.tmp/kafka-go-suite
ensure_built
build_go_tests "kafka-go suite" "$src" conn_test.go golang-github-segmentio-kafka-go-dev "$work/kafka-go.test"
if (exec 3<>/dev/tcp/127.0.0.1/9092) 2>/dev/null; then
  echo "kafka-go suite: port 9092 is taken; its tests only talk to localhost:9092" >&2
  exit 1
fi
rm -rf "$work/data"
start_kafkalite "$work/broker.log" --data-dir "$work/data" --advertised-host localhost --override node.id=1 --log-level warn
# Its tests read fixtures relative to the package directory.
(cd "$src" && "$work/kafka-go.test" -test.v -test.timeout 600s "$@" >"$work/test.log" 2>&1) || true
# Tests counted as leaves: a subtest counts, and a test with subtests counts only through them.
count() { grep -oE -- "--- $1: [^ ]+" "$work/test.log" | awk '{print $3}' | sort -u >"$work/$1.txt"; awk -F/ 'NR == FNR { for (i = 1; i < NF; i++) { p = p ? p "/" $i : $i; parent[p] = 1 } p = ""; next } !($0 in parent)' "$work/$1.txt" "$work/$1.txt" | wc -l; }
passed=$(count PASS); failed=$(count FAIL); skipped=$(count SKIP)
echo "kafka-go suite: $passed passed, $failed failed, $skipped skipped"
grep -E -- '--- FAIL' "$work/test.log" | sed 's/^ *//' || true
if grep -qE '^panic:|test timed out' "$work/test.log"; then
  echo "kafka-go suite: the test binary did not finish:" >&2
  grep -E -A20 '^panic:|test timed out' "$work/test.log" | head -40 >&2
  exit 1
fi
below_min_pass "kafka-go suite" "$passed" $((passed + failed)) "${KAFKA_GO_SUITE_MIN_PASS:-}" && exit 1
exit 0
