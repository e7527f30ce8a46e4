"""The init (PID 1) of one fleet host.

It reaps every process the host's namespace hands it (daemonized sshd, services started by the
daemonless systemctl), so a stopped service never lingers as a zombie that `kill -0` still
sees. It exits when its standard input, a pipe from the controller, closes: on `stop()` or
when the controller dies for any reason. The kernel then kills every process left in the
host's PID namespace, and the host's mounts go away with its mount namespace.
"""

import os
import signal


def reap(*_):
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


signal.signal(signal.SIGCHLD, reap)
reap()
while os.read(0, 4096):
    pass
