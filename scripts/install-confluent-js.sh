#!/usr/bin/env bash
# Installs Confluent's JavaScript client (@confluentinc/kafka-javascript 1.10.1 over librdkafka 2.15.1) for
# test/compat/confluent-js.test.ts, into test/compat/clients/confluent-js/node_modules. It is not one of the repo's
# devDependencies because installing it compiles librdkafka: its prebuilt binaries come from GitHub, which this
# machine does not reach. The build (~1.5 min on 2 cores) links the system's OpenSSL, zlib, zstd, lz4 and SASL
# (CKJS_LINKING=dynamic; the default static build downloads their sources too), so it needs
#   apt-get install -y build-essential python3 libssl-dev zlib1g-dev libzstd-dev liblz4-dev libsasl2-dev rapidjson-dev
# The test skips, saying so, when the client is not installed.
set -euo pipefail
cd "$(dirname "$0")/../test/compat/clients/confluent-js"
CKJS_LINKING=dynamic npm ci --no-audit --no-fund
node -e "console.log('confluent-js: librdkafka', require('@confluentinc/kafka-javascript').librdkafkaVersion)"
