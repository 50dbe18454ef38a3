#!/usr/bin/env bash
# Builds the Temporal CLI (whose dev server the engine/runtime/temporal tests start)
# into a cache directory, once, and prints the binary's path. v1.5.1 is the
# newest version the Go module proxy serves whole; the first build takes about
# ten minutes on two cores, later calls return at once.
#
#   scripts/temporal-cli.sh              # build (idempotent) and print the path
#   STEPWISE_TEMPORAL_DIR=DIR ...        # choose the cache directory
set -euo pipefail
version=v1.5.1
dir=${STEPWISE_TEMPORAL_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/stepwise-temporal}
bin=$dir/temporal
stamp=$dir/temporal.version
if [ ! -x "$bin" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$version" ]; then
  mkdir -p "$dir"
  echo "temporal-cli.sh: building the Temporal CLI $version into $dir (about 10 minutes the first time)" >&2
  GOBIN=$dir CGO_ENABLED=0 go install -ldflags='-s -w' "github.com/temporalio/cli/cmd/temporal@$version" >&2
  echo "$version" > "$stamp"
fi
echo "$bin"
