"""`revsync demo` as a user runs it: up, answering, and everything gone after Ctrl-C."""

import os
import re
import signal
import socket
import subprocess
import sys
import time

import httpx
import psycopg2
import pytest

from revsync.db.embedded import EmbeddedPostgres
from tests.conftest import make_home


def demo_env(home) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "DAGSTER_HOME")}
    env["REVSYNC_HOME"] = str(home)
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_second_demo_on_the_same_checkout_is_refused():
    home = make_home("revsync-demo-lock-")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import time; from revsync.demo import single_instance\n"
         f"with single_instance(__import__('pathlib').Path('{home}') / 'demo.lock'):\n"
         "    print('holding', flush=True); time.sleep(60)"],
        env=demo_env(home), stdout=subprocess.PIPE, text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "holding"
        second = subprocess.run([sys.executable, "-m", "revsync", "demo", "--no-serve"], env=demo_env(home),
                                capture_output=True, text=True, timeout=60)
        assert second.returncode == 1
        assert "Another revsync demo is already running" in second.stderr
        assert f"pid {holder.pid}" in second.stderr
        assert "Traceback" not in second.stderr
    finally:
        holder.kill()
        holder.wait()


def test_demo_serves_dagster_and_a_bi_login_then_ctrl_c_stops_everything():
    home = make_home("revsync-demo-")
    port = free_port()
    demo = subprocess.Popen(
        [sys.executable, "-m", "revsync", "demo", "--port", str(port), "--engagements", "300"],
        env=demo_env(home), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    output = []
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            line = demo.stdout.readline()
            if not line:
                break
            output.append(line)
            if "Press Ctrl-C to stop" in line:
                break
        text = "".join(output)
        assert "revsync demo is up" in text, text[-3000:]
        ui = re.search(r"Dagster UI:\s+(http://\S+)", text).group(1)
        sandbox = re.search(r"Provider sandbox:\s+(http://\S+)", text).group(1)
        dsn = re.search(r"(postgresql://revsync_bi:\S+)", text).group(1)

        assert httpx.get(f"{ui}/server_info", timeout=10).json()["dagster_version"]
        with psycopg2.connect(dsn) as conn, conn.cursor() as cur:
            cur.execute("select count(*) from analytics.synced_activities")
            assert cur.fetchone()[0] > 0
    finally:
        demo.send_signal(signal.SIGINT)
        try:
            demo.wait(60)
        except subprocess.TimeoutExpired:
            demo.kill()
            pytest.fail("demo did not stop within 60 s of Ctrl-C")
    assert demo.returncode == 0
    for url in (f"{ui}/server_info", f"{sandbox}/_sandbox/health"):
        with pytest.raises(httpx.ConnectError):
            httpx.get(url, timeout=2)
    assert EmbeddedPostgres(home=home).running_pid() is None  # the demo started it, so it stopped it
