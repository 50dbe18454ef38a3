#!/usr/bin/env bash
# Installs dynalite (a local DynamoDB) into a cache directory and prints the
# path of its CLI. The integrations/aws tests run it on a free loopback port.
#
#   scripts/dynalite.sh            # install (idempotent) and print the CLI path
#   STEPWISE_DYNALITE_DIR=DIR ...  # choose the cache directory
set -euo pipefail
version=4.0.0
dir=${STEPWISE_DYNALITE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/stepwise-dynalite}
cli=$dir/node_modules/dynalite/cli.js
if [ ! -f "$cli" ] || ! grep -q "\"version\": \"$version\"" "$dir/node_modules/dynalite/package.json"; then
  command -v npm >/dev/null || { echo "dynalite.sh: npm is not installed" >&2; exit 1; }
  mkdir -p "$dir"
  [ -f "$dir/package.json" ] || echo '{"name":"stepwise-dynalite","private":true}' > "$dir/package.json"
  npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "dynalite@$version" >&2
fi
echo "$cli"
