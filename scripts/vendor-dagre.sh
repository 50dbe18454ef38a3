#!/usr/bin/env bash
# Vendors dagre, the web console's graph layout, from npm at the pinned
# version into engine/service/console/assets/vendor: the package's own
# distributed minified file and its licence, unchanged. The console embeds
# them (go:embed); nothing is fetched at run time. Run it to move to
# another version (change DAGRE_VERSION), then commit the files.
#   scripts/vendor-dagre.sh          re-vendor
#   scripts/vendor-dagre.sh --check  fail if the committed files differ from the package's
set -euo pipefail
DAGRE_VERSION=3.1.3
cd "$(dirname "$0")/.."
dest=engine/service/console/assets/vendor
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "@dagrejs/dagre@$DAGRE_VERSION" >/dev/null && tar xzf dagrejs-dagre-$DAGRE_VERSION.tgz)
if [ "${1:-}" = "--check" ]; then
  cmp "$tmp/package/dist/dagre.min.js" "$dest/dagre.min.js"
  cmp "$tmp/package/LICENSE" "$dest/dagre.LICENSE.txt"
  echo "dagre $DAGRE_VERSION: vendored files match the npm package"
  exit 0
fi
mkdir -p "$dest"
cp "$tmp/package/dist/dagre.min.js" "$dest/dagre.min.js"
cp "$tmp/package/dist/dagre.min.js.LEGAL.txt" "$dest/dagre.min.js.LEGAL.txt"
cp "$tmp/package/LICENSE" "$dest/dagre.LICENSE.txt"
echo "vendored @dagrejs/dagre@$DAGRE_VERSION into $dest"
