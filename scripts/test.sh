#!/usr/bin/env bash
# Runs muster's tests on a fresh machine: installs what they need when it is missing
# (scripts/setup.sh), then `deno test`. Extra arguments go to `deno test`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
bash scripts/setup.sh
export PATH="$PATH:$(npm prefix -g 2>/dev/null)/bin"
exec deno test -A --quiet "$@"
