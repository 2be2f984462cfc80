"""Worker processes beside the API: started by `wangge serve`, restarted if they die,
stopped within seconds on shutdown.

Jobs run in these processes, never in the API's threads: a numba kernel holds the
GIL, and in the API it would stall every request of the process.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading
import time

log = logging.getLogger("wangge.serve")
RESTART_AFTER_S = 2.0


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

    def stop(self, timeout_s: float = 7.0) -> None:
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
        return subprocess.Popen(command)

    def _watch(self) -> None:
        while not self._stopping.wait(1.0):
            for i, proc in enumerate(self._procs):
                if proc.poll() is not None and not self._stopping.is_set():
                    log.warning("worker %d exited with %s; starting it again", i, proc.returncode)
                    time.sleep(RESTART_AFTER_S)
                    if not self._stopping.is_set():
                        self._procs[i] = self._spawn(i)
