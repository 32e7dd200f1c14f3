"""Child processes that revsync starts and must stop again: each in its own process group."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import subprocess
import time
from pathlib import Path

from revsync.errors import RevsyncError

PR_SET_PDEATHSIG = 1  # linux/prctl.h


class Children:
    """Starts children in their own sessions and stops all of them (and their children) on exit."""

    def __init__(self):
        self._procs: list[tuple[str, subprocess.Popen]] = []

    def start(self, name: str, argv: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen:
        # 0600: a child's log can hold what it prints, e.g. the sandbox's credentials.
        log = os.fdopen(os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), "ab")
        proc = subprocess.Popen(
            argv, env={**os.environ, **env}, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True,  # own process group: Ctrl-C reaches us, and we stop the whole group
            preexec_fn=_terminate_with_parent,
        )
        log.close()
        self._procs.append((name, proc))
        return proc

    def check_alive(self) -> None:
        for name, proc in self._procs:
            if proc.poll() is not None:
                raise RevsyncError(f"{name} exited unexpectedly (code {proc.returncode}).")

    def stop_all(self, timeout_s: float = 15) -> None:
        for _, proc in reversed(self._procs):
            _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for _, proc in reversed(self._procs):
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait()
        self._procs.clear()


def _terminate_with_parent() -> None:
    """In the child: get SIGTERM if revsync dies without cleaning up (kill -9), so nothing is orphaned."""
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def _signal_group(proc: subprocess.Popen, sig: int) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass
