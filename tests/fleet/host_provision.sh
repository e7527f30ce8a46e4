#!/bin/sh
# Runs as the host's PID 1, chrooted into its overlay, before anything else: creates the
# `deploy` user, installs the daemonless systemctl, starts sshd, prints "ready", and becomes
# the host's init (host_reaper.py).
#
# Usage: host_provision.sh NAME ADDRESS   (inputs in /run/fleet, copied by host_init.sh)
set -eu
name=$1
address=$2
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
cd /

echo "$name" >/etc/hostname
# Every fleet host by name; also keeps sudo from complaining that it cannot resolve the host.
cp /run/fleet/hosts /etc/hosts

# The daemonless systemctl shadows /usr/bin/systemctl for root, for deploy (sshd's default
# PATH) and under sudo (secure_path), because /usr/local/bin comes first in each.
install -m 755 /run/fleet/systemctl /usr/local/bin/systemctl

# deploy: /bin/sh, key-only login ("*" is no password but, unlike useradd's "!", not a
# locked account, which sshd would refuse), passwordless sudo without a tty.
useradd --create-home --shell /bin/sh --password '*' deploy
install -d -m 700 -o deploy -g deploy /home/deploy/.ssh
install -m 600 -o deploy -g deploy /run/fleet/deploy_ed25519.pub /home/deploy/.ssh/authorized_keys
printf '%s\n' 'Defaults:deploy !requiretty' 'deploy ALL=(ALL) NOPASSWD:ALL' >/etc/sudoers.d/deploy
chmod 440 /etc/sudoers.d/deploy

# sshd on this host's loopback address only, with its own host key (the real machine's keys
# are in the overlay's lower layer: remove them so they can never be served).
cat >/etc/ssh/sshd_config <<CONFIG
ListenAddress $address:22
HostKey /etc/ssh/ssh_host_ed25519_key
PidFile /run/sshd.pid
UsePAM no
PermitRootLogin no
PubkeyAuthentication yes
AuthorizedKeysFile .ssh/authorized_keys
PasswordAuthentication no
KbdInteractiveAuthentication no
UseDNS no
PrintMotd no
PrintLastLog no
MaxSessions 64
MaxStartups 256:30:512
AcceptEnv LANG LC_*
Subsystem sftp internal-sftp
CONFIG
rm -f /etc/ssh/ssh_host_*
sh /run/fleet/host_sshd.sh new-key
sh /run/fleet/host_sshd.sh start

echo ready
exec /usr/bin/python3 -I -S /run/fleet/host_reaper.py >/dev/null 2>>/run/fleet/reaper.log
