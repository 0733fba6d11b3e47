# Shared by the scripts that run a client's own test suite against kafkalite. Sourced, with $here set to the repo.

# Builds the CLI bundle when a fresh checkout has none.
ensure_built() {
  [[ -f $here/dist/bundle/kafkalite-cli.mjs ]] || (cd "$here" && npm run build >/dev/null)
}

# start_kafkalite LOG [kafkalite flags...]: runs bin/kafkalite in the background until the script exits, and waits
# (up to 10 s) for its ready line; exits with its log when it does not start.
start_kafkalite() {
  local log=$1
  shift
  node "$here/bin/kafkalite" "$@" >"$log" 2>&1 &
  kafkalite_pid=$!
  trap 'kill $kafkalite_pid 2>/dev/null; wait $kafkalite_pid 2>/dev/null' EXIT
  for _ in $(seq 1 100); do grep -q 'kafkalite ready' "$log" && break; sleep 0.1; done
  grep -q 'kafkalite ready' "$log" || { echo "kafkalite did not start:" >&2; cat "$log" >&2; exit 1; }
}

# below_min_pass NAME PASSED RAN MIN_PERCENT: true, saying so, when MIN_PERCENT is set (CI) and fewer of the tests
# that ran passed (none ran counts as below).
below_min_pass() {
  local name=$1 passed=$2 ran=$3 min=$4
  [[ -n $min ]] && (( ran == 0 || passed * 100 < ran * min )) || return 1
  echo "$name: $passed of $ran passed, below $min%" >&2
}
