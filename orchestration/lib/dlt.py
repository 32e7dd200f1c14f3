"""dlt pipelines as Dagster assets: keys `[source, table]`, groups `ingest_<source>`."""

import dagster as dg
from dagster_dlt import DagsterDltTranslator
from dagster_dlt.translator import DltResourceTranslatorData


class RevsyncDltTranslator(DagsterDltTranslator):
    def get_asset_spec(self, data: DltResourceTranslatorData) -> dg.AssetSpec:
        spec = super().get_asset_spec(data)
        source = data.resource.source_name
        return spec.replace_attributes(
            key=dg.AssetKey([source, data.resource.table_name]),
            group_name=f"ingest_{source}",
            deps=[],
        )
