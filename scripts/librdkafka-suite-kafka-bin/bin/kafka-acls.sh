#!/bin/sh
exec node "$(dirname "$0")/../kafka-cli.mjs" kafka-acls "$@"
