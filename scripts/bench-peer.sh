#!/usr/bin/env bash
# Compares `stepwise run` with the peer engine (aws-local-stepfunctions, via
# ../shared/bench/peer.sh) as whole processes on the shared workloads: time
# with hyperfine, alternating the two commands in one run, and peak memory
# (maximum resident set) with /usr/bin/time. Prints the ratios.
#
#   scripts/bench-peer.sh [WORKLOAD...]      (default: all three)
#
# Environment: BENCH_DIR (default ../shared/bench beside the repository),
# RUNS (hyperfine runs per command, default 10), MEM_RUNS (default 3),
# STEPWISE (a stepwise binary to use instead of building bin/stepwise).
# Needs hyperfine (Debian: apt-get install hyperfine), node and npm.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bench=${BENCH_DIR:-$root/../shared/bench}
bench=$(cd "$bench" && pwd)
runs=${RUNS:-10}
mem_runs=${MEM_RUNS:-3}
workloads=("$@")
[[ ${#workloads[@]} -gt 0 ]] || workloads=(pass-chain-1000 loop-5000 map-10k)

command -v hyperfine >/dev/null || { echo "bench-peer: hyperfine is missing (apt-get install -y hyperfine)" >&2; exit 2; }
[[ -x /usr/bin/time ]] || { echo "bench-peer: /usr/bin/time is missing (apt-get install -y time)" >&2; exit 2; }

cd "$root"
bin=${STEPWISE:-}
if [[ -z $bin ]]; then
  CGO_ENABLED=0 go build -o bin/stepwise ./cmd/stepwise # as make build does
  bin=bin/stepwise
fi
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# Warm the peer up once (the first run installs it from npm).
"$bench/peer.sh" "workloads/${workloads[0]}" >/dev/null

# peak KB: the largest maximum resident set of MEM_RUNS runs.
peak() {
  local max=0 kb
  for _ in $(seq "$mem_runs"); do
    /usr/bin/time -f %M -o "$out/mem" "$@" >/dev/null 2>&1 || true
    kb=$(tail -1 "$out/mem")
    ((kb > max)) && max=$kb
  done
  echo "$max"
}

ok=1
summary=()
for w in "${workloads[@]}"; do
  def=$bench/workloads/$w.asl.json
  in=$bench/workloads/$w.input.json
  # The peer enforces no payload limit, and map-10k's input (368 KB) is over
  # AWS's 256 KiB, and loop-5000 and map-10k pass AWS's 25,000-event
  # history limit (the peer has none): run without either.
  ours=("$bin" run "$def" --input "@$in" --payload-limit 0 --max-history-events 0)
  theirs=("$bench/peer.sh" "workloads/$w")
  echo "== $w"
  # A wrong or failed run must not be timed as a fast one.
  if ! "${ours[@]}" >"$out/ours.json" 2>"$out/ours.err"; then
    echo "stepwise run failed on $w:"; cat "$out/ours.json" "$out/ours.err"; ok=0; continue
  fi
  echo "stepwise: $(head -c 200 "$out/ours.json")"
  hyperfine -N --warmup 1 --runs "$runs" --style basic --export-json "$out/$w.json" \
    -n stepwise "$(printf '%q ' "${ours[@]}")" \
    -n peer "$(printf '%q ' "${theirs[@]}")"
  read -r t_ours t_peer < <(python3 -c '
import json, sys
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
print(r["stepwise"]["median"], r["peer"]["median"])' "$out/$w.json")
  m_ours=$(peak "${ours[@]}")
  m_peer=$(peak "${theirs[@]}")
  line=$(python3 -c '
import sys
to, tp, mo, mp = map(float, sys.argv[2:])
print(f"{sys.argv[1]:16} time {to*1e3:8.1f} ms vs {tp*1e3:8.1f} ms: {tp/to:6.1f}x faster   "
      f"peak {mo/1024:6.1f} MB vs {mp/1024:6.1f} MB: {mp/mo:5.1f}x less")' "$w" "$t_ours" "$t_peer" "$m_ours" "$m_peer")
  summary+=("$line")
done
echo
echo "== stepwise run vs peer (median time, max RSS)"
printf '%s\n' "${summary[@]}"
((ok)) || { echo "bench-peer: some workloads failed" >&2; exit 1; }
