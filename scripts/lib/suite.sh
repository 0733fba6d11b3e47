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

# build_go_tests NAME SRC MARKER DEBIAN_PACKAGE OUT: compiles the Go package in SRC (which holds MARKER) into the test
# binary OUT, offline: GOPATH mode over Debian's packaged sources, with a build cache beside OUT for fast reruns.
# Exits saying what to install when Go or the sources are missing.
build_go_tests() {
  local name=$1 src=$2 marker=$3 package=$4 out=$5
  command -v go >/dev/null || { echo "$name: no go toolchain (apt-get install golang-go)" >&2; exit 1; }
  [[ -f $src/$marker ]] || { echo "$name: no sources at $src (apt-get install $package)" >&2; exit 1; }
  mkdir -p "$(dirname "$out")"
  (cd "$src" && GO111MODULE=off GOPATH=/usr/share/gocode GOFLAGS= GOCACHE="$(dirname "$out")/cache" go test -c -o "$out" .)
}
