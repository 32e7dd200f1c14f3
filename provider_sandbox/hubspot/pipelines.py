"""Pipelines, shaped like pipelines-v3.json: `GET /crm/v3/pipelines/{objectType}`,
`/{pipelineId}`, `/{pipelineId}/stages` and `/{pipelineId}/stages/{stageId}`.

- **Deals**: the portal's two pipelines from objects/deals.py (`deal_pipelines`), the same ids the
  deals carry in `pipeline` and `dealstage`: HubSpot's default "Sales Pipeline" (id `default`,
  created at epoch 0 as the spec says of default pipelines) and the per-portal renewals pipeline
  with numeric ids. Stage `metadata` holds strings: `probability` ("0.2") and `isClosed`
  ("true"/"false").
- **Tickets**: every portal has HubSpot's default "Support Pipeline" (id `0`, stages `1` New,
  `2` Waiting on contact, `3` Waiting on us, `4` Closed) with `ticketState` OPEN/CLOSED.
- **Leads**: the default lead pipeline (`lead-pipeline-id`) on Professional and Enterprise
  portals; Starter portals have none (HubSpot sells leads with Sales Hub Professional+).
- Other known object types answer `{"results": []}`: a portal with no pipelines of that type.
- An unknown pipeline or stage id is a 404 `OBJECT_NOT_FOUND` (the spec's "Pipeline ID
  validation"); an unknown object type the usual 400.
"""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from provider_sandbox.hubspot.errors import hubspot_error, unknown_object_type
from provider_sandbox.hubspot.guard import admit
from provider_sandbox.hubspot.oauth_registry import portal_tier
from provider_sandbox.hubspot.objects import ObjectKind, resolve
from provider_sandbox.hubspot.objects.deals import deal_pipelines
from provider_sandbox.responses import json_response
from provider_sandbox.seeding import derive_int
from provider_sandbox.store import Account
from provider_sandbox.timefmt import iso_ms

_DAY_MS = 86_400_000


@dataclass(frozen=True)
class StageView:
    id: str
    label: str
    metadata: dict[str, str]


@dataclass(frozen=True)
class PipelineView:
    id: str
    label: str
    stages: tuple[StageView, ...]
    created_ms: int  # 0 for HubSpot's default pipelines
    updated_ms: int


_TICKET_STAGES = (("1", "New", "OPEN"), ("2", "Waiting on contact", "OPEN"), ("3", "Waiting on us", "OPEN"),
                  ("4", "Closed", "CLOSED"))
_LEAD_STAGES = (("new-stage-id", "New", False), ("attempting-stage-id", "Attempting", False),
                ("connected-stage-id", "Connected", False), ("qualified-stage-id", "Qualified", True),
                ("unqualified-stage-id", "Disqualified", True))


def _portal_times(account: Account, purpose: str) -> tuple[int, int]:
    """A custom pipeline's (created, updated): after the portal's first user, deterministic."""
    start = account.hubspot.owners[0].created_ms
    created = start + (derive_int(account.hubspot.hub_id, purpose, "created") % 60 + 1) * _DAY_MS
    return created, created + (derive_int(account.hubspot.hub_id, purpose, "updated") % 90) * _DAY_MS


def portal_pipelines(account: Account, kind: ObjectKind) -> tuple[PipelineView, ...]:
    """The pipelines one portal has for one object type, in display order."""
    if kind.name == "deals":
        views = []
        for pipeline in deal_pipelines(account):
            created, updated = (0, 0) if pipeline.id == "default" else _portal_times(account, pipeline.id)
            # The same probability the deals' hs_deal_stage_probability shows, as a string.
            stages = tuple(StageView(st.id, st.label, {"isClosed": "true" if st.closed else "false",
                                                       "probability": str(float(st.probability))})
                           for st in pipeline.stages)
            views.append(PipelineView(pipeline.id, pipeline.label, stages, created, updated))
        return tuple(views)
    if kind.name == "tickets":
        stages = tuple(StageView(sid, label, {"ticketState": state, "isClosed": str(state == "CLOSED").lower()})
                       for sid, label, state in _TICKET_STAGES)
        return (PipelineView("0", "Support Pipeline", stages, 0, 0),)
    if kind.name == "leads" and portal_tier(account) != "starter":
        stages = tuple(StageView(sid, label, {"isClosed": str(closed).lower()}) for sid, label, closed in _LEAD_STAGES)
        return (PipelineView("lead-pipeline-id", "Lead pipeline", stages, 0, 0),)
    return ()


def _stage_body(stage: StageView, order: int, pipeline: PipelineView) -> dict:
    return {
        "id": stage.id,
        "label": stage.label,
        "displayOrder": order,
        "metadata": stage.metadata,
        "createdAt": iso_ms(pipeline.created_ms),
        "updatedAt": iso_ms(pipeline.updated_ms),
        "archived": False,
        "writePermissions": "CRM_PERMISSIONS_ENFORCEMENT",
    }


def _pipeline_body(pipeline: PipelineView, order: int) -> dict:
    return {
        "id": pipeline.id,
        "label": pipeline.label,
        "displayOrder": order,
        "stages": [_stage_body(stage, index, pipeline) for index, stage in enumerate(pipeline.stages)],
        "createdAt": iso_ms(pipeline.created_ms),
        "updatedAt": iso_ms(pipeline.updated_ms),
        "archived": False,
    }


def routes() -> list[Route]:
    base = "/crm/v3/pipelines/{object_type}"
    return [
        Route(base, list_pipelines, methods=["GET"]),
        Route(base + "/{pipeline_id}", get_pipeline, methods=["GET"]),
        Route(base + "/{pipeline_id}/stages", list_stages, methods=["GET"]),
        Route(base + "/{pipeline_id}/stages/{stage_id}", get_stage, methods=["GET"]),
    ]


def _prepare(request: Request, suffix: str):
    object_type = request.path_params["object_type"]
    kind = resolve(object_type)
    admitted = admit(request, f"GET /crm/v3/pipelines/{kind.name if kind else object_type}{suffix}")
    if isinstance(admitted, Response):
        return admitted
    if kind is None or kind.name not in admitted.caller.account.hubspot.objects:
        return unknown_object_type(object_type, admitted.headers)
    return admitted, portal_pipelines(admitted.caller.account, kind)


def _find_pipeline(request: Request, admitted, pipelines) -> tuple[int, PipelineView] | Response:
    pipeline_id = request.path_params["pipeline_id"]
    for order, pipeline in enumerate(pipelines):
        if pipeline.id == pipeline_id:
            return order, pipeline
    return hubspot_error(404, "OBJECT_NOT_FOUND", f"Unable to find pipeline {pipeline_id}",
                         headers=admitted.headers)


async def list_pipelines(request: Request) -> Response:
    prepared = _prepare(request, "")
    if isinstance(prepared, Response):
        return prepared
    admitted, pipelines = prepared
    body = {"results": [_pipeline_body(pipeline, order) for order, pipeline in enumerate(pipelines)]}
    return json_response(body, headers=admitted.headers)


async def get_pipeline(request: Request) -> Response:
    prepared = _prepare(request, "/{pipelineId}")
    if isinstance(prepared, Response):
        return prepared
    admitted, pipelines = prepared
    found = _find_pipeline(request, admitted, pipelines)
    if isinstance(found, Response):
        return found
    order, pipeline = found
    return json_response(_pipeline_body(pipeline, order), headers=admitted.headers)


async def list_stages(request: Request) -> Response:
    prepared = _prepare(request, "/{pipelineId}/stages")
    if isinstance(prepared, Response):
        return prepared
    admitted, pipelines = prepared
    found = _find_pipeline(request, admitted, pipelines)
    if isinstance(found, Response):
        return found
    _, pipeline = found
    body = {"results": [_stage_body(stage, index, pipeline) for index, stage in enumerate(pipeline.stages)]}
    return json_response(body, headers=admitted.headers)


async def get_stage(request: Request) -> Response:
    prepared = _prepare(request, "/{pipelineId}/stages/{stageId}")
    if isinstance(prepared, Response):
        return prepared
    admitted, pipelines = prepared
    found = _find_pipeline(request, admitted, pipelines)
    if isinstance(found, Response):
        return found
    _, pipeline = found
    stage_id = request.path_params["stage_id"]
    for index, stage in enumerate(pipeline.stages):
        if stage.id == stage_id:
            return json_response(_stage_body(stage, index, pipeline), headers=admitted.headers)
    return hubspot_error(404, "OBJECT_NOT_FOUND", f"Unable to find stage {stage_id} in pipeline {pipeline.id}",
                         headers=admitted.headers)
