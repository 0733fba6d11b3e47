#!/usr/bin/env bash
# Runs librdkafka 2.15.1's own integration tests (tests/0nnn-*.c, shipped inside @confluentinc/kafka-javascript) against
# a kafkalite cluster shaped like the suite's default scenario (file engine, so that compaction runs: 0077): 3 brokers,
# num.partitions=4, replication factor 3,
# auto-created topics, broker i in rack RACKi with Kafka's RackAwareReplicaSelector (as the suite's cluster tool sets up;
# 0101 fetches from the follower in its rack), an authorizer that allows everyone (the admin tests create ACLs), and Kafka's own
# group.initial.rebalance.delay.ms of 3 s (kafkalite's default is 0; the group tests expect their consumers to join
# the first generation together), and the 1 s minimum share-group lock duration its cluster tool sets for 4.2
# (tests/cluster_testing.py; the share consumer tests shorten locks to see records redelivered).
#   scripts/librdkafka-suite.sh [test numbers or name parts, e.g. 0034 0118 ...]   (default: the 0nnn tests)
# Needs scripts/install-confluent-js.sh first (its librdkafka build). Each test runs in its own test-runner process
# in quick mode (-Q), without the socket-emulation tests (-E); LIBRDKAFKA_SUITE_JOBS (default 3) at a time,
# LIBRDKAFKA_SUITE_TIMEOUT seconds each (default 300). TEST_CONSUMER_GROUP_PROTOCOL=consumer runs the consumer tests
# with KIP-848 groups. Results: .tmp/librdkafka-suite/{summary.txt,<test>.log} (.tmp/librdkafka-suite-consumer/ for
# KIP-848); about 6 minutes on 2 cores.
# LIBRDKAFKA_SUITE_PORT (default 19700) and LIBRDKAFKA_SUITE_LOG_LEVEL (default warn) set the broker's port and log level,
# LIBRDKAFKA_SUITE_KAFKA_VERSION the Kafka version the tests assume (default 4.1.0), LIBRDKAFKA_SUITE_QUICK the quick-mode
# flag (default -Q; empty runs every sub-test). `--share` first: the share consumer tests; `--sasl <mechanism>`: the
# SASL tests; `--ssl`: everything over mTLS listeners; `--noautocreate`: the tests of that scenario (all below).
# The tests that shell out to Kafka's command-line tools get stand-ins (scripts/librdkafka-suite-kafka-bin/: the
# kafka-topics.sh --create and kafka-acls.sh --add they use, done with kafkajs's admin client; kafka-run-class.sh for 0098's
# TransactionProducerCli, done with kafkajs's transactional producer).
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
source "$here/scripts/lib/suite.sh"
rdk=$here/test/compat/clients/confluent-js/node_modules/@confluentinc/kafka-javascript/deps/librdkafka
[[ -d $rdk/tests ]] || { echo "librdkafka sources not found: run scripts/install-confluent-js.sh first" >&2; exit 1; }
suffix=${TEST_CONSUMER_GROUP_PROTOCOL:+-$TEST_CONSUMER_GROUP_PROTOCOL}
# --share: the share consumer tests (KIP-932, 01nn-share_*). They are gated on Kafka 4.2 and are all sub-tests the
# quick mode skips, so they run as against 4.2 and in full (about 10 minutes, 3 at a time). For 0190 (share consumer
# telemetry, KIP-714) the cluster stands in for the pipeline librdkafka's CI sets up (setup-share-telemetry-testing.sh:
# a receiver plugin, an OpenTelemetry collector writing to the topic client-telemetry-metrics, a subscription to the
# org.apache.kafka.consumer.share. metrics): kafkalite's receiver topic and that subscription, for 0190's clients only
# (the test framework names clients after their test): pushes every second keep connections busy, which 0180's
# idle-connection test cannot have.
share=no
if [[ ${1:-} == --share ]]; then
  shift
  share=yes suffix=-share
  export LIBRDKAFKA_SUITE_KAFKA_VERSION=${LIBRDKAFKA_SUITE_KAFKA_VERSION:-4.2.0} LIBRDKAFKA_SUITE_QUICK=${LIBRDKAFKA_SUITE_QUICK-}
fi
# --sasl <mechanism>: the tests that need SASL (0135 credentials, 0142 re-authentication, KIP-368) over SASL_PLAINTEXT
# listeners, with SCRAM-SHA-256, SCRAM-SHA-512, PLAIN or OAUTHBEARER (unsecured JWTs), re-authentication every 10 s.
sasl=
if [[ ${1:-} == --sasl ]]; then
  sasl=${2:?--sasl needs a mechanism, e.g. SCRAM-SHA-256 or OAUTHBEARER}
  shift 2
  suffix=-sasl-$sasl
  export LIBRDKAFKA_SUITE_QUICK=${LIBRDKAFKA_SUITE_QUICK-}
fi
# --noautocreate: the tests of the suite's "noautocreate" scenario (0045's topic-removal and non-existent-topic variants,
# 0107 topic re-creation, 0111 delayed topic creation), against brokers that do not auto-create topics; in full (0045's
# variants do nothing in quick mode).
noauto=no
if [[ ${1:-} == --noautocreate ]]; then
  shift
  noauto=yes suffix=-noautocreate
  export LIBRDKAFKA_SUITE_QUICK=${LIBRDKAFKA_SUITE_QUICK-}
fi
# --ssl: the whole suite (or the tests named) over SSL listeners with client certificates (mTLS, ssl.client.auth=required),
# kafkalite's development CA (--ssl-self-signed) trusted by the clients.
ssl=no
if [[ ${1:-} == --ssl ]]; then
  shift
  ssl=yes suffix=-ssl
fi
out=$here/.tmp/librdkafka-suite$suffix
mkdir -p "$out"
if [[ ! -x $rdk/tests/test-runner ]]; then
  echo "building librdkafka's test-runner..." >&2
  make -C "$rdk/tests" test-runner -j2 >"$out/build.log" 2>&1 || { tail -20 "$out/build.log" >&2; exit 1; }
fi
ensure_built
# Test 0098 runs tests/java/TransactionProducerCli through $KAFKA_PATH/bin/kafka-run-class.sh, here a stand-in in Node.js
# (scripts/librdkafka-suite-kafka-bin/). Placeholder class files make the `make java` step before it a no-op: there are
# no Kafka jars to compile the Java programs against.
for c in Murmur2Cli TransactionProducerCli IncrementalRebalanceCli; do [[ -f $rdk/tests/java/$c.class ]] || touch "$rdk/tests/java/$c.class"; done

port=${LIBRDKAFKA_SUITE_PORT:-19700}
rm -rf "$out/data"
listen=(--port "$port")
[[ $share == yes ]] && listen+=(--client-metrics-topic client-telemetry-metrics)
[[ $noauto == yes ]] && listen+=(--auto-create-topics false)
[[ $ssl == yes ]] && listen=(--listeners "SSL://127.0.0.1:$port" --ssl-self-signed --ssl-client-auth required)
[[ -n $sasl ]] && listen=(--listeners "SASL_PLAINTEXT://127.0.0.1:$port" --sasl-users admin:admin-secret --override connections.max.reauth.ms=10000)
start_kafkalite "$out/kafkalite.log" --data-dir "$out/data" --fsync never "${listen[@]}" --brokers 3 --num-partitions 4 --default-replication-factor 3 \
  --override log.cleaner.backoff.ms=1000 --override group.share.min.record.lock.duration.ms=1000 \
  --broker-racks RACK0,RACK1,RACK2 --override replica.selector.class=org.apache.kafka.common.replica.RackAwareReplicaSelector \
  --authorizer --override allow.everyone.if.no.acl.found=true --override group.initial.rebalance.delay.ms=3000 --log-level "${LIBRDKAFKA_SUITE_LOG_LEVEL:-warn}"
if [[ $share == yes ]]; then
  (cd "$here" && node --input-type=module -e "
    import { Admin } from '@platformatic/kafka';
    const admin = new Admin({ clientId: 'suite-setup', bootstrapBrokers: ['127.0.0.1:$port'] });
    await admin.incrementalAlterConfigs({ resources: [{ resourceType: 16, resourceName: 'share-consumers', configs: [
      { name: 'metrics', configOperation: 0, value: 'org.apache.kafka.consumer.share.' },
      { name: 'interval.ms', configOperation: 0, value: '1000' },
      { name: 'match', configOperation: 0, value: 'client_id=0190_.*' } ] }] });
    await admin.close();")
fi
# Whole-test time limits x3: 0081_admin alone runs ~3 min of sub-tests (consumer groups waiting out the 3 s delay).
printf 'bootstrap.servers=127.0.0.1:%s\ntest.timeout.multiplier=3\n' "$port" >"$out/test-$port.conf"
if [[ $ssl == yes ]]; then
  tls=$out/data/tls && export tls
  printf 'security.protocol=SSL\nssl.ca.location=%s\nssl.certificate.location=%s\nssl.key.location=%s\n' "$tls/ca.pem" "$tls/client.pem" "$tls/client.key" >>"$out/test-$port.conf"
elif [[ $sasl == OAUTHBEARER ]]; then
  printf 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=OAUTHBEARER\nenable.sasl.oauthbearer.unsecure.jwt=true\nsasl.oauthbearer.config=principal=admin\n' >>"$out/test-$port.conf"
elif [[ -n $sasl ]]; then
  printf 'security.protocol=SASL_PLAINTEXT\nsasl.mechanism=%s\nsasl.username=admin\nsasl.password=admin-secret\n' "$sasl" >>"$out/test-$port.conf"
fi
# LIBRDKAFKA_SUITE_CONF adds lines to the clients' configuration, e.g. 'debug=metadata,cgrp' to see what they do.
[[ -n ${LIBRDKAFKA_SUITE_CONF:-} ]] && printf '%s\n' "$LIBRDKAFKA_SUITE_CONF" >>"$out/test-$port.conf"

if [[ $# -gt 0 ]]; then tests=("$@")
elif [[ -n $sasl ]]; then tests=(0135 0142)
elif [[ $noauto == yes ]]; then tests=(0045 0107 0111)
elif [[ $share == yes ]]; then mapfile -t tests < <(cd "$rdk/tests" && ls 01*-share_*.c | grep -v _mock | sed -E 's/^([0-9]{4}).*/\1/' | sort -u)
else
  # The 0nnn series, which librdkafka's CI runs against a cluster (8nnn are manual, long-running tests).
  mapfile -t tests < <(cd "$rdk/tests" && ls 0*-*.c 0*-*.cpp | sed -E 's/^([0-9]{4}).*/\1/' | sort -u)
fi
run_one() {
  local t=$1 out=$2 rdk=$3
  (cd "$rdk/tests" && LD_LIBRARY_PATH=../src:../src-cpp RDKAFKA_TEST_CONF="$out/test-$port.conf" TEST_KAFKA_VERSION=${LIBRDKAFKA_SUITE_KAFKA_VERSION:-4.1.0} TESTS=$t TEST_SCENARIO=$scenario \
    KAFKA_PATH="$here/scripts/librdkafka-suite-kafka-bin" BROKERS="127.0.0.1:$port" KAFKALITE_TLS_DIR=${tls:-} \
    timeout "${LIBRDKAFKA_SUITE_TIMEOUT:-300}" ./test-runner ${LIBRDKAFKA_SUITE_QUICK-"-Q"} -E -L -p1 >"$out/$t.log" 2>&1)
  local rc=$?
  # The runner's summary table: one row per test (and sub-test runs), PASSED / FAILED / SKIPPED.
  local rows; rows=$(sed 's/\x1b\[[0-9;]*m//g' "$out/$t.log" | grep -a -E "^\| ${t}")
  if [[ $rc -ne 0 ]] || grep -q 'FAILED' <<<"$rows"; then
    echo "FAIL $t $(sed 's/\x1b\[[0-9;]*m//g' "$out/$t.log" | grep -a -m1 -E 'Test assertion failed|^### Test' | cut -c1-160)"
  elif grep -q 'PASSED' <<<"$rows"; then echo "PASS $t"
  else echo "SKIP $t $(grep -m1 -o 'SKIPPED.*' <<<"$rows" | cut -c1-120)"; fi
}
export -f run_one
scenario=default && [[ $noauto == yes ]] && scenario=noautocreate
export here port scenario
printf '%s\n' "${tests[@]}" | xargs -P "${LIBRDKAFKA_SUITE_JOBS:-3}" -I{} bash -c 'run_one "$@"' _ {} "$out" "$rdk" | sort -k2 | tee "$out/summary.txt"
pass=$(grep -c '^PASS' "$out/summary.txt" || true); fail=$(grep -c '^FAIL' "$out/summary.txt" || true)
echo "librdkafka suite: $pass passed, $fail failed, $(grep -c '^SKIP' "$out/summary.txt" || true) skipped (logs in $out)"
# LIBRDKAFKA_SUITE_MIN_PASS=90: exit 1 when fewer than 90% of the tests that ran (passed + failed) passed (CI).
below_min_pass "librdkafka suite" "$pass" $((pass + fail)) "${LIBRDKAFKA_SUITE_MIN_PASS:-}" && exit 1
exit 0
