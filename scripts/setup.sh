#!/usr/bin/env bash
# Installs what muster's tests need on a fresh Debian machine with Node and npm:
# Deno (npm's `deno` package) and, as root, openssh-server, sudo, ansible-core, tmux,
# python3-venv, prometheus-pushgateway, prometheus (promtool), chromium and the daemonless
# `systemctl` (extracted, never installed: installing it removes systemd).
# Idempotent: each piece is installed only when it is missing.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
tools="$root/.tools"

if ! command -v deno >/dev/null 2>&1; then
  echo "setup: installing deno from npm" >&2
  npm install -g deno@2 >&2
fi

if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  missing=()
  [ -x /usr/sbin/sshd ] || missing+=(openssh-server)
  command -v sudo >/dev/null 2>&1 || missing+=(sudo)
  command -v ansible-inventory >/dev/null 2>&1 || missing+=(ansible-core)
  command -v tmux >/dev/null 2>&1 || missing+=(tmux)
  # The Flow Manager's virtualenv on the test hosts (Debian's python3 needs python3-venv for pip in a venv).
  /usr/bin/python3 -c 'import ensurepip' >/dev/null 2>&1 || missing+=(python3-venv)
  # The system Python builds setuptools-based wheels offline (tests/build_python_test.ts).
  /usr/bin/python3 -c 'import setuptools, wheel' >/dev/null 2>&1 || missing+=(python3-setuptools python3-wheel)
  # Watching a run: a real Pushgateway and promtool for the metrics, headless Chromium for the HTML report.
  command -v prometheus-pushgateway >/dev/null 2>&1 || missing+=(prometheus-pushgateway)
  command -v promtool >/dev/null 2>&1 || missing+=(prometheus)
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  if [ ${#missing[@]} -gt 0 ] || [ ! -x "$tools/systemctl/usr/bin/systemctl" ]; then
    apt-get update -qq >&2
  fi
  if [ ${#missing[@]} -gt 0 ]; then
    echo "setup: installing ${missing[*]}" >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
  fi
  if [ ! -x "$tools/systemctl/usr/bin/systemctl" ]; then
    echo "setup: extracting the daemonless systemctl into $tools/systemctl" >&2
    tmp="$(mktemp -d)"
    (cd "$tmp" && apt-get download -qq systemctl >&2)
    mkdir -p "$tools/systemctl"
    dpkg-deb -x "$tmp"/systemctl_*.deb "$tools/systemctl"
    rm -rf "$tmp"
  fi
fi
