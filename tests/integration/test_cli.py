"""The command line's help and argument handling, run as a user would."""

import subprocess
import sys


def revsync(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "revsync", *args], capture_output=True, text=True, timeout=60)


def test_help_lists_every_command():
    result = revsync("--help")
    assert result.returncode == 0
    for command in ("db", "setup", "demo", "exec", "sandbox", "secret-key"):
        assert command in result.stdout


def test_sandbox_flags_go_to_the_sandbox():
    result = revsync("sandbox", "--help")
    assert result.returncode == 0 and "--engagements" in result.stdout


def test_unknown_db_action_is_a_usage_error():
    result = revsync("db", "explode")
    assert result.returncode == 2 and "invalid choice" in result.stderr


def test_secret_key_is_a_fernet_key():
    from cryptography.fernet import Fernet

    Fernet(revsync("secret-key").stdout.strip())


def test_each_source_runs_on_its_own():
    for provider, modes in {"hubspot": ("--full", "--reconcile"), "fathom": ("--full",),
                            "aircall": ("--full",)}.items():
        result = subprocess.run([sys.executable, "-m", f"dlt_sources.{provider}", "--help"], capture_output=True,
                                text=True, timeout=60)
        assert result.returncode == 0, result.stderr
        assert all(mode in result.stdout for mode in modes), result.stdout
