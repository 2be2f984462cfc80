"""Worker processes beside the API: started by `wangge serve`, restarted if they die,
stopped within seconds on shutdown.

Jobs run in these processes, never in the API's threads: a numba kernel holds the
GIL, and in the API it would stall every request of the process.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import sys
import threading
import time

log = logging.getLogger("wangge.serve")
RESTART_AFTER_S = 2.0
WORKER_NICENESS = 19  # the lowest: a request always goes first
# A worker in a numba kernel holds the GIL and cannot even take its SIGTERM until the
# kernel returns: after this long it is killed, and its job is queued again.
STOP_WITHIN_S = 5.0


class Supervisor:
    """Keep ``count`` `wangge worker` processes running until ``stop``."""

    def __init__(self, count: int) -> None:
        self.count = count
        self._procs: list[subprocess.Popen] = []
        self._stopping = threading.Event()
        self._watcher = threading.Thread(target=self._watch, name="wangge-workers", daemon=True)

    def start(self) -> None:
        self._procs = [self._spawn(i) for i in range(self.count)]
        if self.count:
            self._watcher.start()

    def stop(self, timeout_s: float = STOP_WITHIN_S) -> None:
        """SIGTERM every worker; whatever still runs after ``timeout_s`` is killed."""
        self._stopping.set()
        for proc in self._procs:
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + timeout_s
        for proc in self._procs:
            try:
                proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()

    def _spawn(self, index: int) -> subprocess.Popen:
        command = [sys.executable, "-m", "api.cli", "worker", "--name", f"serve-{index}"]
        return subprocess.Popen(command, preexec_fn=_as_worker)

    def _watch(self) -> None:
        while not self._stopping.wait(1.0):
            for i, proc in enumerate(self._procs):
                if proc.poll() is not None and not self._stopping.is_set():
                    log.warning("worker %d exited with %s; starting it again", i, proc.returncode)
                    time.sleep(RESTART_AFTER_S)
                    if not self._stopping.is_set():
                        self._procs[i] = self._spawn(i)


def _as_worker() -> None:
    """In the child, before it runs: yield the CPU to the API (a lower priority, so a
    heavy job slows requests as little as it can), and get SIGTERM if `wangge serve`
    dies without stopping it (Linux's PR_SET_PDEATHSIG)."""
    os.nice(WORKER_NICENESS)
    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)
