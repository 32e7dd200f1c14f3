"""deploy/values.yaml (Dagster's Helm chart) and deploy/Dockerfile agree with the code they deploy, so
a renamed pool, run tag or module cannot leave the cluster running with other limits than a machine."""

import re
import tomllib

import yaml

from orchestration.defs.ingest import SYNC_POOL
from orchestration.defs.ingest import defs as ingest_defs
from orchestration.defs.schedules import CONNECTION_TAG
from revsync.paths import PROJECT_ROOT
from revsync.settings import Settings
from revsync.setup import DAGSTER_YAML

DEPLOY = PROJECT_ROOT / "deploy"


def values() -> dict:
    return yaml.safe_load((DEPLOY / "values.yaml").read_text())


def code_location() -> dict:
    [deployment] = values()["dagster-user-deployments"]["deployments"]
    return deployment


def test_the_code_server_serves_the_module_the_workspace_loads():
    workspace = yaml.safe_load((PROJECT_ROOT / "workspace.yaml").read_text())
    module = workspace["load_from"][0]["python_module"]["module_name"]
    args = code_location()["codeServerArgs"]
    assert args[args.index("-m") + 1] == module
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert f'"-m", "{module}"' in dockerfile
    assert str(code_location()["port"]) in re.findall(r"EXPOSE (\d+)", dockerfile)


def test_runs_get_a_pod_each_from_the_code_location_image():
    assert values()["runLauncher"]["type"] == "K8sRunLauncher"
    assert code_location()["includeConfigInLaunchedRuns"] == {"enabled": True}
    assert values()["dagsterDaemon"]["runCoordinator"] == {"enabled": True, "type": "QueuedRunCoordinator"}


def test_the_cluster_limits_equal_the_generated_dagster_yaml():
    """One run per (provider, account) by the run tag the schedule and sensors set; the sync pool's
    limit is the default of REVSYNC_MAX_PARALLEL_SYNCS, as `revsync setup` writes it."""
    default_parallel = Settings.model_fields["max_parallel_syncs"].default
    local = yaml.safe_load(DAGSTER_YAML.format(max_parallel_syncs=default_parallel))["concurrency"]
    cluster = values()["concurrency"]
    assert cluster["enabled"] is True

    [tag_limit] = cluster["runs"]["tagConcurrencyLimits"]
    [local_limit] = local["runs"]["tag_concurrency_limits"]
    assert tag_limit["key"] == local_limit["key"] == CONNECTION_TAG
    assert tag_limit["value"] == local_limit["value"] == {"applyLimitPerUniqueValue": True}
    assert tag_limit["limit"] == local_limit["limit"] == 1

    assert cluster["pools"]["granularity"] == local["pools"]["granularity"]
    assert cluster["pools"]["defaultLimit"] == local["pools"]["default_limit"] == default_parallel
    assert code_location()["env"]["REVSYNC_MAX_PARALLEL_SYNCS"] == str(default_parallel)


def test_the_default_pool_limit_reaches_the_sync_assets_alone():
    """The chart sets the default limit of every pool; only the sync assets have one, `sync`."""
    pools = {assets.node_def.name: assets.op.pool for assets in ingest_defs.assets}
    assert pools == {"hubspot": SYNC_POOL, "aircall": SYNC_POOL, "fathom": SYNC_POOL}


def test_the_image_installs_the_dagster_k8s_that_goes_with_the_pinned_dagster():
    pins = dict(dep.split("==") for dep in tomllib.loads((PROJECT_ROOT / "pyproject.toml").read_text())["project"][
        "dependencies"])
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    assert f"dagster-k8s=={pins['dagster-postgres']}" in dockerfile  # the integration libraries share a version
    assert "FROM python:3.11-slim" in dockerfile
    assert f"--version {pins['dagster']}" in (DEPLOY / "values.yaml").read_text()
