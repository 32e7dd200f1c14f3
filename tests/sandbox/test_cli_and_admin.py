"""The process: ready file, clean exits, clear errors; and the /_sandbox admin API."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys

import httpx
import pytest

from provider_sandbox.launcher import PACKAGE_PARENT, SandboxProcess


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_serves_until_signal_then_exits_zero(tmp_path, sig):
    process, ready_file, log_path = SandboxProcess.launch(tmp_path, "--accounts", "1", "--engagements", "20")
    sandbox = SandboxProcess.wait_until_ready(process, ready_file, log_path)
    info = json.loads(ready_file.read_text())
    assert info == {"url": sandbox.url, "pid": process.pid}
    assert httpx.get(f"{sandbox.url}/_sandbox/health").json()["status"] == "ok"

    assert sandbox.stop(sig) == 0
    log = sandbox.log()
    assert f"provider_sandbox listening on {sandbox.url}" in log
    assert "private_app_token=pat-na1-" in log
    assert "Traceback" not in log
    assert not ready_file.exists()  # a stale ready file would fool the next waiter


def test_port_clash_is_a_clear_error(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run(
            [sys.executable, "-m", "provider_sandbox", "--port", str(port), "--accounts", "1"],
            cwd=PACKAGE_PARENT, capture_output=True, text=True, timeout=60,
        )
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in result.stderr
    assert "Traceback" not in result.stderr


def test_bad_flag_value_is_a_usage_error():
    result = subprocess.run([sys.executable, "-m", "provider_sandbox", "--accounts", "0"],
                            cwd=PACKAGE_PARENT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "accounts must be at least 1" in result.stderr
    assert "Traceback" not in result.stderr


def test_two_servers_with_the_same_seed_serve_the_same_data(start_sandbox, sandbox):
    twin = start_sandbox("--accounts", "2", "--engagements", "1500", "--seed", "7")
    other = start_sandbox("--accounts", "2", "--engagements", "1500", "--seed", "8")
    assert twin.admin("accounts") == sandbox.admin("accounts")
    assert twin.admin("truth") == sandbox.admin("truth")
    assert other.admin("truth") != sandbox.admin("truth")
    assert other.token() != sandbox.token()


def test_accounts_list_credentials_and_owners(sandbox):
    accounts = sandbox.admin("accounts")
    assert [a["key"] for a in accounts] == ["account-1", "account-2"]
    for account in accounts:
        hubspot = account["hubspot"]
        assert isinstance(hubspot["hub_id"], int)
        assert hubspot["private_app_token"].startswith("pat-na1-")
        assert len(hubspot["owners"]) == 8
        assert all("@" in owner["email"] and owner["id"].isdigit() for owner in hubspot["owners"])


def test_truth_shape(sandbox):
    truth = sandbox.admin("truth")
    assert truth["seed"] == 7
    objects = truth["accounts"]["account-1"]["hubspot"]["objects"]
    calls = objects["calls"]
    assert set(calls) == {"count", "archived_count", "checksum", "archived_checksum", "duration_ms_sum",
                          "associations"}
    # --engagements is the total over the engagement types
    engagements = ("calls", "emails", "meetings", "notes", "tasks")
    assert sum(objects[t]["count"] + objects[t]["archived_count"] for t in engagements) == 1500


def test_stats_count_requests_and_can_be_reset(start_sandbox):
    private = start_sandbox("--accounts", "1", "--engagements", "30")
    token = private.token()
    with private.client(headers={"Authorization": f"Bearer {token}"}) as client:
        client.get("/crm/v3/objects/calls")
        client.get("/crm/v3/objects/calls", params={"limit": 500})
        client.get("/crm/v3/objects/calls", headers={"Authorization": ""})
        client.get("/no/such/endpoint")
        stats = private.admin("stats")
        assert stats["total_requests"] == 4  # admin calls are not counted
        assert stats["requests_by_endpoint"]["GET /crm/v3/objects/calls"] == {"200": 1, "400": 1, "401": 1}
        assert stats["requests_by_endpoint"]["GET /no/such/endpoint"] == {"404": 1}
        assert stats["requests_by_account"] == {"hubspot:account-1": 2}
        assert client.delete("/_sandbox/stats").status_code == 204
    assert private.admin("stats")["total_requests"] == 0
