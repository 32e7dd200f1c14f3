"""HubSpot deals (object type 0-3) in two pipelines per portal.

Every portal has HubSpot's "default" sales pipeline (stage ids like `closedwon`) and a custom
renewals pipeline whose pipeline and stage ids are numeric strings, as custom ones are in real
portals: clients that hard-code the default stage names miss those deals. Deals that should have
closed before the anchor mostly did (won or lost); the rest are stale open deals.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from provider_sandbox.hubspot.columns import SearchColumn
from provider_sandbox.hubspot.objects import schema as s
from provider_sandbox.hubspot.objects.activity import NONE_CODE, coded, owner_column, owner_value
from provider_sandbox.hubspot.objects.base import DAY_MS, ObjectKind, PropertyValues, assemble_table
from provider_sandbox.hubspot.objects.catalogue import stage_history_definitions
from provider_sandbox.hubspot.objects.companies import company_identity, company_weights
from provider_sandbox.hubspot.objects.vocab import DEAL_PRODUCTS
from provider_sandbox.seeding import derive_int, numpy_rng, record_rng
from provider_sandbox.store import ObjectTable
from provider_sandbox.timefmt import iso_ms

if TYPE_CHECKING:
    from provider_sandbox.settings import SandboxSettings
    from provider_sandbox.store import Account


@dataclass(frozen=True)
class Stage:
    id: str
    label: str
    probability: float
    closed: bool = False
    won: bool = False


@dataclass(frozen=True)
class Pipeline:
    id: str
    label: str
    stages: tuple[Stage, ...]


_DEFAULT_STAGES = (
    Stage("appointmentscheduled", "Appointment Scheduled", 0.2),
    Stage("qualifiedtobuy", "Qualified To Buy", 0.4),
    Stage("presentationscheduled", "Presentation Scheduled", 0.6),
    Stage("decisionmakerboughtin", "Decision Maker Bought-In", 0.8),
    Stage("contractsent", "Contract Sent", 0.9),
    Stage("closedwon", "Closed Won", 1.0, closed=True, won=True),
    Stage("closedlost", "Closed Lost", 0.0, closed=True),
)
_RENEWAL_STAGES = (("Renewal due", 0.5, False, False), ("In negotiation", 0.75, False, False),
                   ("Renewed", 1.0, True, True), ("Churned", 0.0, True, False))
RENEWALS = 1
DEAL_TYPES = ("newbusiness", "existingbusiness")


@lru_cache(maxsize=64)
def _pipelines(hub_id: int) -> tuple[Pipeline, ...]:
    base = 10_000_000 + derive_int(hub_id, "renewal-pipeline") % 80_000_000
    renewal = Pipeline(str(base), "Renewals", tuple(
        Stage(str(base + 1 + n), label, probability, closed, won)
        for n, (label, probability, closed, won) in enumerate(_RENEWAL_STAGES)
    ))
    return Pipeline("default", "Sales Pipeline", _DEFAULT_STAGES), renewal


def deal_pipelines(account: Account) -> tuple[Pipeline, ...]:
    """The portal's pipelines; the `pipeline` column indexes this tuple, `stage` its stages."""
    return _pipelines(account.hubspot.hub_id)


def _stage_codes(pipeline: Pipeline) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    open_codes = np.array([i for i, st in enumerate(pipeline.stages) if not st.closed])
    won = next(i for i, st in enumerate(pipeline.stages) if st.won)
    lost = next(i for i, st in enumerate(pipeline.stages) if st.closed and not st.won)
    return open_codes, np.array(won), np.array(lost)


class DealKind(ObjectKind):
    name = "deals"
    object_type_id = "0-3"
    aliases = ("deal",)
    # Epoch-ms columns that `POST /_sandbox/advance` shifts when it clones a record.
    time_columns = {"close_ms": 1}
    default_properties = ("amount", "closedate", "createdate", "dealname", "dealstage", "hs_lastmodifieddate",
                          "hs_object_id", "pipeline")
    always_properties = ("createdate", "hs_lastmodifieddate", "hs_object_id")

    def definitions(self, seed: int, account: Account) -> tuple[s.PropertyDef, ...]:
        pipelines = deal_pipelines(account)
        stages = tuple((st.id, st.label) for p in pipelines for st in p.stages)
        group = "dealinformation"
        return (
            *s.base_definitions(group, created="createdate"),
            s.text("dealname", "Deal Name", group),
            s.number("amount", "Amount", group, display_hint="currency"),
            s.when("closedate", "Close Date", group),
            s.enum("pipeline", "Pipeline", group, tuple((p.id, p.label) for p in pipelines)),
            s.enum("dealstage", "Deal Stage", group, stages, field_type="radio"),
            s.enum("dealtype", "Deal Type", group, (("newbusiness", "New Business"),
                                                     ("existingbusiness", "Existing Business")), field_type="radio"),
            s.number("hs_deal_stage_probability", "Deal probability", group, read_only=True, calculated=True,
                     display_hint="probability"),
            s.PropertyDef("hs_is_closed_won", "Is Closed Won", "bool", "booleancheckbox", group,
                          options=(("true", "True"), ("false", "False")), read_only=True, calculated=True),
            s.textarea("description", "Deal Description", group),
            s.owner_definition(group),
        )

    def stage_definitions(self, seed: int, account: Account) -> tuple[s.PropertyDef, ...]:
        # One set per stage of every pipeline, named by the stage ids the deals carry.
        stages = tuple((st.id, f"{st.label} ({p.label})") for p in deal_pipelines(account) for st in p.stages)
        return stage_history_definitions(stages, "deal_activity")

    def generate(self, settings: SandboxSettings, account: Account, count: int) -> ObjectTable:
        rng = numpy_rng(settings.seed, account.key, self.name)
        anchor = settings.anchor_ms
        created = anchor - (rng.random(count) * 1.5 * settings.history_days * DAY_MS).astype(np.int64)
        cycle = np.clip(rng.lognormal(np.log(40), 0.6, count), 3, 400) * DAY_MS
        close = created + cycle.astype(np.int64)

        pipeline = (rng.random(count) < 0.2).astype(np.uint8)  # 1 = renewals
        stage = np.zeros(count, dtype=np.uint8)
        closes_late, outcome = rng.random(count), rng.random(count)
        for code, definition in enumerate(deal_pipelines(account)):
            open_codes, won, lost = _stage_codes(definition)
            in_pipeline = pipeline == code
            won_share = 0.7 if code == RENEWALS else 0.3
            stage[in_pipeline] = open_codes[rng.integers(0, len(open_codes), count)][in_pipeline]
            decided = in_pipeline & (close < anchor) & (closes_late >= 0.12)
            stage[decided] = np.where(outcome[decided] < won_share, won, lost)

        amount = np.round(rng.lognormal(np.log(12_000), 1.0, count), -2) * 100  # cents, whole hundreds
        amount = np.where(pipeline == RENEWALS, amount * 2, amount).astype(np.int64)
        amount[rng.random(count) < 0.08] = -1  # no amount entered

        company = np.full(count, -1, dtype=np.int32)
        companies = account.hubspot.objects.get("companies")
        if companies is not None and len(companies):
            weights = company_weights(companies)
            company = rng.choice(len(companies), size=count, p=weights / weights.sum()).astype(np.int32)
            company[rng.random(count) < 0.05] = -1
        deal_type = np.where(pipeline == RENEWALS, 1, coded(rng, (0.75, 0.15, 0.10), count)).astype(np.uint8)
        deal_type[deal_type == 2] = NONE_CODE
        return assemble_table(
            self, settings, account, rng, created, np.zeros(count, dtype=np.int64),
            {
                "pipeline": pipeline, "stage": stage, "amount_cents": amount, "close_ms": close,
                "company": company, "deal_type": deal_type,
                "product": rng.integers(0, len(DEAL_PRODUCTS), count).astype(np.uint8),
                "owner": owner_column(rng, settings, account, count, null_fraction=0.03),
            },
        )

    def own_properties(
        self, seed: int, account: Account, table: ObjectTable, row: int, wanted: frozenset[str] | None
    ) -> PropertyValues:
        cols = table.columns
        pipeline = deal_pipelines(account)[int(cols["pipeline"][row])]
        stage = pipeline.stages[int(cols["stage"][row])]
        company_row = int(cols["company"][row])
        product = DEAL_PRODUCTS[int(cols["product"][row])]
        if company_row >= 0:
            dealname = f"{company_identity(account.hubspot.objects['companies'], company_row)[0]} – {product}"
        else:
            dealname = f"{product} ({iso_ms(table.created_ms[row])[:4]})"
        deal_type = int(cols["deal_type"][row])
        values: PropertyValues = {
            "createdate": iso_ms(table.created_ms[row]),
            "dealname": dealname,
            "amount": _amount(int(cols["amount_cents"][row])),
            "closedate": iso_ms(cols["close_ms"][row]),
            "pipeline": pipeline.id,
            "dealstage": stage.id,
            "dealtype": None if deal_type == NONE_CODE else DEAL_TYPES[deal_type],
            "hs_deal_stage_probability": f"{stage.probability:g}",
            "hs_is_closed_won": "true" if stage.won else "false",
            "hubspot_owner_id": owner_value(account, table, row),
        }
        if wanted is None or "description" in wanted:
            rnd = record_rng(seed, account.key, self.name, int(table.ids[row]), int(table.revision[row]))
            values["description"] = (
                None if rnd.random() < 0.6 else f"{product} for {rnd.randint(5, 500)} seats; champion: VP Ops."
            )
        return values

    def truth_extras(self, table: ObjectTable, rows: np.ndarray) -> Mapping[str, int]:
        amounts = table.columns["amount_cents"][rows]
        return {"amount_cents_sum": int(amounts[amounts >= 0].sum(dtype=np.int64))}

    def search_columns(self, account: Account, table: ObjectTable) -> dict[str, SearchColumn]:
        cols = table.columns
        pipelines = deal_pipelines(account)
        stage_codes = cols["pipeline"].astype(np.int16) * 16 + cols["stage"]
        stages = {code * 16 + i: st.id for code, p in enumerate(pipelines) for i, st in enumerate(p.stages)}
        return {
            **super().search_columns(account, table),
            "amount": SearchColumn.number(cols["amount_cents"] / 100, present=cols["amount_cents"] >= 0),
            "closedate": SearchColumn.datetime(cols["close_ms"]),
            "pipeline": SearchColumn.enum(cols["pipeline"], {i: p.id for i, p in enumerate(pipelines)}),
            "dealstage": SearchColumn.enum(stage_codes, stages),
        }


def _amount(cents: int) -> str | None:
    """HubSpot echoes amounts as entered: "12500" or "12500.5", never with a currency sign."""
    if cents < 0:
        return None
    return str(cents // 100) if cents % 100 == 0 else f"{cents // 100}.{cents % 100:02d}".rstrip("0")
