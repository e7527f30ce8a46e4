#!/bin/sh
# Controls the host's sshd (run inside the host as root).
#
# Usage: host_sshd.sh start|stop|new-key
#   start    starts sshd and waits until it listens (sshd writes its PidFile only after
#            binding); if sshd dies instead, prints what it logged and fails
#   stop     stops the listening sshd and waits until it is gone; open sessions stay, as with
#            `systemctl stop ssh` on Debian
#   new-key  replaces the host's ed25519 host key (sshd must be restarted to serve it)
set -eu
pidfile=/run/sshd.pid
log=/var/log/sshd.log

case "$1" in
start)
  rm -f "$pidfile"
  mkdir -p -m 755 /run/sshd
  touch "$log"
  logged=$(wc -c <"$log")
  # In the foreground (-D) but in the background here, so that its death is seen; it is
  # adopted by the host's init when this script exits.
  /usr/sbin/sshd -D -E "$log" </dev/null >/dev/null 2>&1 &
  pid=$!
  i=0
  until [ -s "$pidfile" ]; do
    state=$(cut -d ' ' -f 3 "/proc/$pid/stat" 2>/dev/null || echo gone)
    i=$((i + 1))
    if [ "$state" = Z ] || [ "$state" = gone ] || [ "$i" -gt 1000 ]; then
      echo "sshd did not start; its log says:" >&2
      tail -c "+$((logged + 1))" "$log" >&2
      exit 1
    fi
    sleep 0.01
  done
  ;;
stop)
  [ -s "$pidfile" ] || exit 0
  pid=$(cat "$pidfile")
  kill "$pid" 2>/dev/null || true
  i=0
  while kill -0 "$pid" 2>/dev/null; do
    i=$((i + 1))
    if [ "$i" -gt 500 ]; then
      echo "sshd (pid $pid) did not stop" >&2
      exit 1
    fi
    sleep 0.01
  done
  rm -f "$pidfile"
  ;;
new-key)
  rm -f /etc/ssh/ssh_host_ed25519_key /etc/ssh/ssh_host_ed25519_key.pub
  ssh-keygen -q -t ed25519 -N '' -C "root@$(hostname)" -f /etc/ssh/ssh_host_ed25519_key
  ;;
*)
  echo "usage: host_sshd.sh start|stop|new-key" >&2
  exit 2
  ;;
esac
