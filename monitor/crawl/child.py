"""A crawl in a child process (`monitor crawl --source ...`), as the daemon and the cluster's
workers run it: Twisted's reactor cannot be restarted, and a child isolates leaks and hangs.

The child gets a session of its own (a Ctrl-C meant for the daemon's terminal does not cut
its items short; the daemon stops it in order) and, on Linux, dies with the process that
started it: ``PR_SET_PDEATHSIG`` sends it SIGKILL when its parent dies, so a daemon or
worker killed with SIGKILL leaves no crawl running that another worker would then run
twice (issue #17). The signal follows the *thread* that forked: start children from a
thread that lives as long as the process (the main thread, an event loop's thread).
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence

from monitor.config import Config

log = logging.getLogger("monitor.crawl")

#: Seconds a crawl child gets to finish its in-flight items after SIGTERM.
CHILD_GRACE = 10.0

_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def crawl_command(config: Config, names: Sequence[str], *, verbose: bool = False) -> list[str]:
    """`monitor crawl --source A --source B`, with this process's configuration."""
    cmd = [sys.executable, "-m", "monitor"]
    if config.path:
        cmd += ["--config", str(config.path)]
    if verbose:
        cmd.append("--verbose")
    cmd.append("crawl")
    for name in names:
        cmd += ["--source", name]
    return cmd


def _prctl() -> Callable[..., int] | None:
    # Looked up in the parent: between fork and exec the child only calls it (loading a
    # library there could deadlock on a lock another thread held at the fork).
    if not sys.platform.startswith("linux"):
        return None
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _prctl()


def start_crawl(cmd: Sequence[str]) -> subprocess.Popen[bytes]:
    """Start the child: a session of its own, killed when its parent dies (Linux)."""
    prctl, parent = _PRCTL, os.getpid()
    if prctl is None:  # elsewhere a killed parent leaves its child running, as before
        return subprocess.Popen(list(cmd), start_new_session=True)

    def die_with_parent() -> None:  # pragma: no cover - runs in the child
        prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        if os.getppid() != parent:  # the parent died before the line above
            os._exit(1)

    return subprocess.Popen(list(cmd), start_new_session=True, preexec_fn=die_with_parent)


def terminate(child: subprocess.Popen[bytes], grace: float = CHILD_GRACE) -> None:
    """SIGTERM lets Scrapy finish items in flight (each is committed on its own); SIGKILL
    after the grace period. Either way the store stays consistent."""
    if child.poll() is not None:
        return
    child.send_signal(signal.SIGTERM)
    try:
        child.wait(grace)
    except subprocess.TimeoutExpired:
        log.warning("crawl did not stop in %.0fs; killing it", grace)
        child.kill()
        child.wait()
