"""Start the sandbox as a child process and wait until it serves: for test fixtures, benchmarks
and scripts in any folder (it talks to the child only through its CLI, ready file and HTTP).

    with SandboxProcess.start(workdir, "--accounts", "2") as sandbox:
        httpx.get(f"{sandbox.url}/crm/v3/objects/calls", headers=...)
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

PACKAGE_PARENT = Path(__file__).resolve().parents[1]


@dataclass
class SandboxProcess:
    url: str
    pid: int
    process: subprocess.Popen
    log_path: Path
    ready_file: Path
    _accounts: list[dict] | None = field(default=None, repr=False)

    @classmethod
    def launch(cls, workdir: Path, *flags: str) -> tuple[subprocess.Popen, Path, Path]:
        """Start `python -m provider_sandbox --port 0` writing its ready file and log in workdir."""
        workdir = Path(workdir)
        workdir.mkdir(parents=True, exist_ok=True)
        ready_file, log_path = workdir / "ready.json", workdir / "sandbox.log"
        ready_file.unlink(missing_ok=True)
        command = [sys.executable, "-m", "provider_sandbox", "--port", "0", "--ready-file", str(ready_file)]
        command.extend(flags)
        with log_path.open("wb") as log:
            process = subprocess.Popen(
                command, cwd=PACKAGE_PARENT, stdout=log, stderr=subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"},
            )
        return process, ready_file, log_path

    @classmethod
    def wait_until_ready(cls, process: subprocess.Popen, ready_file: Path, log_path: Path,
                         timeout: float = 120) -> SandboxProcess:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready_file.exists():
                info = json.loads(ready_file.read_text())
                return cls(info["url"], info["pid"], process, log_path, ready_file)
            if process.poll() is not None:
                raise RuntimeError(f"sandbox exited with {process.returncode}:\n{log_path.read_text()}")
            time.sleep(0.05)
        process.kill()
        raise RuntimeError(f"sandbox not ready after {timeout}s:\n{log_path.read_text()}")

    @classmethod
    def start(cls, workdir: Path, *flags: str, timeout: float = 120) -> SandboxProcess:
        return cls.wait_until_ready(*cls.launch(workdir, *flags), timeout=timeout)

    def __enter__(self) -> SandboxProcess:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=30, **kwargs)

    def admin(self, path: str) -> dict | list:
        response = httpx.get(f"{self.url}/_sandbox/{path}", timeout=60)
        response.raise_for_status()
        return response.json()

    @property
    def accounts(self) -> list[dict]:
        if self._accounts is None:
            self._accounts = self.admin("accounts")
        return self._accounts

    def token(self, index: int = 0) -> str:
        return self.accounts[index]["hubspot"]["private_app_token"]

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        """Signal the child and wait; returns its exit code (0 after a clean shutdown)."""
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode
