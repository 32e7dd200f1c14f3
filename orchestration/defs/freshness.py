"""Freshness: each raw table and mart carries a freshness policy that fails when its last
successful sync (a materialization) is older than 26 hours, a day's schedule plus slack. The
Dagster daemon evaluates it and the UI shows each asset's freshness (and the failing ones on the
overview). dbt tests are asset checks (see transform.py)."""

from datetime import timedelta

import dagster as dg

FRESHNESS = timedelta(hours=26)
FRESHNESS_POLICY = dg.FreshnessPolicy.time_window(fail_window=FRESHNESS)


def watched(spec: dg.AssetSpec) -> bool:
    """A raw table (group `ingest_<provider>`) or a mart."""
    return spec.group_name is not None and (spec.group_name.startswith("ingest_") or spec.group_name == "marts")


def with_freshness(spec: dg.AssetSpec) -> dg.AssetSpec:
    """`spec` with the freshness policy if it is a raw table or mart (for `map_asset_specs`)."""
    return dg.apply_freshness_policy(spec, FRESHNESS_POLICY) if watched(spec) else spec
