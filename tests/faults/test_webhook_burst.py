"""A burst of signed Fathom webhooks at the web app's receiver: 1,000 deliveries sent 16 at a time,
some of them sent again (the same `webhook-id`, as a sender retrying a delivery whose answer it
missed, racing the first one) and some meetings delivered twice under new ids. Every delivery is
stored exactly once, every meeting loads as one row, and no retry stores anything.

The receiver is the real router in a FastAPI app served by uvicorn over a socket; the signatures
are made with the standardwebhooks package, as Fathom makes them.
"""

from __future__ import annotations

import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
import uvicorn
from fastapi import FastAPI

from dlt_sources.sync import sync_accounts
from oauth_service.webhooks import webhook_router
from provider_sandbox.launcher import SandboxProcess
from tests.integration.fathom_truth import duplicate_keys, fetch
from tests.integration.test_fathom_webhooks import connect, signed

DELIVERIES = 1_000
RESENT = 100  # of those deliveries, sent a second time with the same webhook-id
MEETINGS_TWICE = 50  # meetings delivered again under a new webhook-id
FIRST_RECORDING_ID = 700_000_000
CONCURRENCY = 16


@pytest.fixture(scope="module")
def sandbox(environment, tmp_path_factory):
    process = SandboxProcess.start(tmp_path_factory.mktemp("webhook-burst"), "--accounts", "1", "--engagements",
                                   "40", "--seed", "31", "--anchor", "2026-11-01T00:00:00Z", "--fathom-meetings", "5",
                                   "--fathom-rate-limit", "100000")
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def receiver(environment):
    app = FastAPI()
    app.include_router(webhook_router(environment.database_url))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started
    yield f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
    server.should_exit = True
    thread.join(10)


def meeting(recording_id: int) -> dict:
    return {"recording_id": recording_id, "created_at": "2026-10-31T09:00:00Z", "title": f"Burst {recording_id}",
            "recorded_by": None, "calendar_invitees": [], "transcript": None}


def test_a_burst_of_signed_webhooks_is_stored_exactly_once(environment, sandbox, receiver):
    account_id, connection_id, secret = connect(environment, sandbox, receiver, 0)
    rng = random.Random(12)
    recordings = [FIRST_RECORDING_ID + n for n in range(DELIVERIES - MEETINGS_TWICE)]
    again = rng.sample(recordings, MEETINGS_TWICE)
    deliveries = [signed(secret, meeting(recording_id)) for recording_id in recordings + again]
    resent = rng.sample(range(DELIVERIES), RESENT)
    sends = [*range(DELIVERIES), *resent]
    rng.shuffle(sends)  # a resend may come before, after or at the same time as its first send

    url = f"{receiver}/webhooks/fathom/{connection_id}"
    with httpx.Client(timeout=60, limits=httpx.Limits(max_connections=CONCURRENCY)) as client:
        def send(index: int) -> tuple[int, int, str]:
            body, headers = deliveries[index]
            response = client.post(url, content=body, headers=headers)
            return index, response.status_code, response.text

        with ThreadPoolExecutor(CONCURRENCY) as pool:
            answers = list(pool.map(send, sends))

    accepted = [index for index, status, _ in answers if status == 200]
    refused = [(index, status, text) for index, status, text in answers if status != 200]
    assert sorted(accepted) == list(range(DELIVERIES)), "each delivery is accepted exactly once"
    assert len(refused) == RESENT
    assert all(status == 400 and "already received" in text for _, status, text in refused), refused[:3]

    stored = fetch(environment.database_url, "select delivery_id from app.webhook_events where account_id = %s",
                   (account_id,))
    assert sorted(d for (d,) in stored) == sorted(headers["webhook-id"] for _, headers in deliveries)

    [outcome] = sync_accounts("fathom", environment.database_url, [account_id])
    assert outcome.status == "success", outcome.error
    assert outcome.result.extra["meetings_from_webhooks"] == DELIVERIES
    loaded = fetch(environment.database_url, "select recording_id, count(*) from raw_fathom.meetings "
                   "where account_id = %s and recording_id >= %s group by recording_id",
                   (account_id, FIRST_RECORDING_ID))
    assert sorted(loaded) == [(recording_id, 1) for recording_id in recordings]
    assert duplicate_keys(environment.database_url) == 0
