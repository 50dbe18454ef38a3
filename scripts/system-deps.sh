#!/usr/bin/env bash
# Installs the system tools the tests need, from Debian's packages, when they
# are missing: Node.js and npm (dynalite, a local DynamoDB), Graphviz (`dot`,
# for stepwise graph --output), Debian's AWS CLI (the CLI smoke test) and
# Chromium (the web console's browser tests, driven by chromedp; under
# CI=true they fail without it).
# `make test` runs it first, so the README's test command works on a fresh
# machine; it installs nothing that is already there.
#
# Installing needs root (or sudo without a password); otherwise it says what
# to install and fails.
set -euo pipefail
need=()
command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
command -v dot >/dev/null 2>&1 || need+=(graphviz)
[ -x /usr/bin/aws ] || need+=(awscli) # Debian's AWS CLI, not a pyenv shim
command -v chromium >/dev/null 2>&1 || need+=(chromium)
[ ${#need[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo=(sudo -n)
else
  echo "system-deps.sh: the tests need these Debian packages: ${need[*]}" >&2
  echo "system-deps.sh: install them (apt-get install ${need[*]}) or run make test as root" >&2
  exit 1
fi
command -v apt-get >/dev/null 2>&1 || { echo "system-deps.sh: apt-get not found; install ${need[*]} yourself" >&2; exit 1; }
echo "system-deps.sh: installing ${need[*]} (once)" >&2
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq "${need[@]}" >/dev/null
