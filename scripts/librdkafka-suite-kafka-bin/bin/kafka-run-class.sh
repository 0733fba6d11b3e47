#!/bin/sh
# Stand-in for Kafka's kafka-run-class.sh: the Java test programs librdkafka's tests run (tests/java/), done in Node.js.
case "$1" in
  TransactionProducerCli) shift; exec node "$(dirname "$0")/../transaction-producer-cli.mjs" "$@" ;;
  *) echo "kafka-run-class.sh stand-in: $1 is not provided (only TransactionProducerCli)" >&2; exit 1 ;;
esac
