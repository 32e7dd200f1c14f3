"""The embedded PostgreSQL, on a home of its own: auth, persistence and the failure cases."""

import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest

from revsync.db.embedded import EmbeddedPostgres
from revsync.errors import RevsyncError
from tests.support import make_home


@pytest.fixture(scope="module")
def server():
    server = EmbeddedPostgres(home=make_home("revsync-pg-test-"))
    server.start()
    yield server
    server.stop()


def revsync_cli(*args: str, home: Path, **env: str) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    environ.update(REVSYNC_HOME=str(home), **env)
    return subprocess.run([sys.executable, "-m", "revsync", *args], env=environ, capture_output=True,
                          text=True, timeout=120)


def test_logins_need_the_password(server):
    info = server.info()
    with psycopg2.connect(info.url()) as conn, conn.cursor() as cur:
        cur.execute("show listen_addresses")
        assert cur.fetchone()[0] == "127.0.0.1"
        cur.execute("show password_encryption")
        assert cur.fetchone()[0] == "scram-sha-256"
    for password in ("", "wrong-password"):
        with pytest.raises(psycopg2.OperationalError, match="password"):
            psycopg2.connect(host="127.0.0.1", port=info.port, user=info.login, password=password,
                             dbname=info.database, connect_timeout=5)
    hba = (server.data / "pg_hba.conf").read_text()
    assert "trust" not in hba.replace("# revsync", "")
    assert oct(server.password_file.stat().st_mode & 0o777) == "0o600"


def test_data_persists_across_restarts(server):
    with psycopg2.connect(server.info().url()) as conn, conn.cursor() as cur:
        cur.execute("create table if not exists persisted (v int); insert into persisted values (42)")
    assert server.stop() is True
    assert server.running_pid() is None
    server.start()
    with psycopg2.connect(server.info().url()) as conn, conn.cursor() as cur:
        cur.execute("select sum(v) from persisted")
        assert cur.fetchone()[0] == 42


def test_start_is_idempotent(server):
    pid = server.running_pid()
    server.start()
    assert server.running_pid() == pid


def test_stale_pid_file_from_a_crashed_server_is_cleared(server):
    server.stop()
    # A crashed server leaves postmaster.pid behind, naming a pid that is now some other process.
    (server.data / "postmaster.pid").write_text(f"{os.getpid()}\n{server.data}\n")
    server.start()
    assert server.running_pid() not in (None, os.getpid())


def test_port_clash_gives_a_clear_error_and_set_port_moves_the_server(server):
    server.stop()
    port = server.info().port
    with socket.socket() as squatter:
        squatter.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        squatter.bind(("127.0.0.1", port))
        squatter.listen()
        result = revsync_cli("db", "start", home=server.home)
        assert result.returncode == 1
        assert f"Port {port}" in result.stderr and "taken by another process" in result.stderr
        assert "Traceback" not in result.stderr
        new_port = server.set_port(None)
    assert new_port != port
    server.start()
    assert server.info().port == new_port


def test_cli_status_and_url(server):
    status = revsync_cli("db", "status", home=server.home)
    assert status.returncode == 0 and "running" in status.stdout
    url = revsync_cli("db", "url", home=server.home)
    assert url.stdout.strip() == server.info().url()


def test_database_url_pointing_at_nothing(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    url = f"postgresql://someone:topsecret@127.0.0.1:{dead_port}/nothing"
    for command in (["db", "status"], ["db", "migrate"], ["setup"]):
        result = revsync_cli(*command, home=tmp_path, DATABASE_URL=url)
        assert result.returncode == 1, result
        assert "Cannot connect to DATABASE_URL" in result.stderr
        assert "topsecret" not in result.stderr + result.stdout
        assert "Traceback" not in result.stderr


def test_lost_login_details_never_wipe_the_data(server):
    server.stop()
    saved = server.info_file.read_text()
    server.info_file.unlink()
    try:
        with pytest.raises(RevsyncError, match="pg.json or pg.password is missing"):
            server.start()
        assert (server.data / "PG_VERSION").is_file()
    finally:
        server.info_file.write_text(saved)
    server.start()
    with psycopg2.connect(server.info().url()) as conn, conn.cursor() as cur:
        cur.execute("select sum(v) from persisted")
        assert cur.fetchone()[0] == 42


def test_set_port_refuses_a_running_server(server):
    server.start()
    with pytest.raises(RevsyncError, match="Stop the embedded PostgreSQL first"):
        server.set_port(None)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root hands the server to another user")
def test_a_private_home_keeps_its_data_where_the_server_user_can_reach_it(tmp_path):
    private = tmp_path / "private"
    private.mkdir(mode=0o700)
    server = EmbeddedPostgres(home=private / ".revsync")
    try:
        info = server.start()
        assert server.root.is_symlink()
        assert str(server.root.resolve()).startswith("/var/lib/revsync/")
        assert oct(private.stat().st_mode & 0o777) == "0o700"  # nothing was opened up
        psycopg2.connect(info.url()).close()
    finally:
        server.stop()
        shutil.rmtree(server.root.resolve(), ignore_errors=True)
