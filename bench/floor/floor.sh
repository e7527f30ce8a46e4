#!/usr/bin/env bash
# The floors muster is measured against: plain OpenSSH, no tool, every host at once.
#
# Usage:
#   floor.sh true    KEY KNOWN_HOSTS ADDRESS...         # `ssh deploy@ADDRESS true` to every host
#   floor.sh install KEY KNOWN_HOSTS STAGE ADDRESS...   # the benchmark's install, by hand
#   floor.sh install-pip KEY KNOWN_HOSTS STAGE ADDRESS... # the same, plus pip installing the SDK's wheel
#
# install: per host, ONE ssh connection carries a tar stream of STAGE/ADDRESS (the prefix
# tree usr/local/flame and the unit files, already with their final modes, as
# bench/workload.ts stages them) into a small root script that creates the flame user,
# unpacks, hands the prefix to flame, runs daemon-reload and checks that each binary runs.
# That is the least any tool must do for this install, so it is the floor for a fresh run.
#
# install-pip (the worker scenario): the stage also holds the Python SDK's wheel in
# sdk/wheels; after unpacking, the root script installs it with the host's own pip, offline,
# where muster puts the SDK (pip --target sdk/python, without .pyc files, as muster's
# controller-side pip does), and checks at the end that it imports for the flame user, as
# muster's verification does. That is the install with pip on every host.
set -euo pipefail

mode=$1
key=$2
known_hosts=$3
shift 3

ssh_to() {
  local address=$1
  shift
  ssh -F /dev/null -i "$key" -o IdentitiesOnly=yes -o BatchMode=yes \
    -o UserKnownHostsFile="$known_hosts" -o StrictHostKeyChecking=yes -o LogLevel=ERROR \
    "deploy@$address" "$@"
}

# Runs as root on the host, reading the tar stream on its standard input. No single quotes:
# it travels inside '...'.
unpack='set -e
getent group flame >/dev/null || groupadd --system flame
getent passwd flame >/dev/null || useradd --system --gid flame --home-dir /var/lib/flame --create-home --shell /usr/sbin/nologin flame
tar -xf - -C / --no-same-owner'
finish='chown -R flame:flame /usr/local/flame
systemctl daemon-reload >/dev/null 2>&1
for b in /usr/local/flame/bin/*; do "$b" --version >/dev/null; done'
pip='python3 -m pip install --quiet --no-index --no-deps --no-compile --no-cache-dir --disable-pip-version-check --root-user-action=ignore --target /usr/local/flame/sdk/python /usr/local/flame/sdk/wheels/*.whl'
imports='runuser -u flame -- env PYTHONPATH=/usr/local/flame/sdk/python python3 -c "import flamepy"'
remote="$unpack
$finish"

pids=()
case "$mode" in
true)
  for address in "$@"; do
    ssh_to "$address" true &
    pids+=($!)
  done
  ;;
install | install-pip)
  if [ "$mode" = install-pip ]; then
    remote="$unpack
$pip
$finish
$imports"
  fi
  stage=$1
  shift
  for address in "$@"; do
    (
      cd "$stage/$address"
      tar -cf - usr/local/flame etc/systemd/system/*.service | ssh_to "$address" "sudo -n sh -c '$remote'"
    ) &
    pids+=($!)
  done
  ;;
*)
  echo "usage: floor.sh true|install|install-pip KEY KNOWN_HOSTS [STAGE] ADDRESS..." >&2
  exit 2
  ;;
esac

failed=0
for pid in "${pids[@]}"; do
  wait "$pid" || failed=1
done
exit "$failed"
