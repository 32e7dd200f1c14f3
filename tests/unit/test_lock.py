"""requirements.lock pins every package pyproject.toml asks for, at the same version, with hashes."""

import re
import tomllib
from importlib import metadata

from revsync.paths import PROJECT_ROOT


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _locked() -> dict[str, str]:
    text = (PROJECT_ROOT / "requirements.lock").read_text()
    return {_normal(name): version for name, version in re.findall(r"^([A-Za-z0-9_.-]+)==(\S+) \\$", text, re.M)}


def test_every_direct_dependency_is_locked_at_its_pin():
    project = tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"]
    wanted = project["dependencies"] + project["optional-dependencies"]["dev"]
    locked = _locked()
    for requirement in wanted:
        name, version = re.fullmatch(r"([A-Za-z0-9_.-]+)(?:\[[^\]]+\])?==(\S+)", requirement).groups()
        assert locked.get(_normal(name)) == version, (
            f"{requirement} in pyproject.toml, {locked.get(_normal(name))} in requirements.lock: run `make lock`")


def test_every_locked_package_has_hashes_and_the_venv_matches_the_lock():
    text = (PROJECT_ROOT / "requirements.lock").read_text()
    entries = re.split(r"\n(?=[A-Za-z0-9])", text.split("\n", 2)[2])
    assert entries and all("--hash=sha256:" in entry for entry in entries if "==" in entry)
    locked = _locked()
    for dist in ("dlt", "dagster", "dbt-core", "sqlalchemy", "httpx", "platformdirs", "urllib3"):
        if dist in locked:
            assert metadata.version(dist) == locked[dist], f"{dist}: the venv differs from requirements.lock"
