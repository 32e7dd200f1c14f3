"""CRM v3 lists for every object kind: paging to the end matches ground truth, default and
requested properties, values that match the property definitions, realistic email bodies."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime

import pytest

from provider_sandbox.generator import build_store
from provider_sandbox.hubspot.objects import OBJECT_KINDS
from provider_sandbox.settings import SandboxSettings

ENGAGEMENTS = ("calls", "emails", "meetings", "notes", "tasks")
RECORDS = ("contacts", "companies", "deals")
ISO_MS = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")


def epoch_ms(iso: str) -> int:
    return int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp() * 1000)


def checksum(records: list[dict]) -> str:
    lines = sorted((int(r["id"]), epoch_ms(r["updatedAt"])) for r in records)
    return hashlib.sha256("".join(f"{i}:{m}\n" for i, m in lines).encode()).hexdigest()


def auth(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def truth(sandbox) -> dict:
    return sandbox.admin("truth")["accounts"]


@pytest.mark.parametrize("object_type", ENGAGEMENTS + RECORDS)
def test_paging_every_kind_to_the_end_matches_truth(sandbox, read_all, truth, object_type):
    with sandbox.client() as client:
        for index, account in enumerate(sandbox.accounts):
            expected = truth[account["key"]]["hubspot"]["objects"][object_type]
            live = read_all(client, sandbox.token(index), object_type)
            assert len(live) == len({r["id"] for r in live}) == expected["count"] > 0
            assert checksum(live) == expected["checksum"]
            gone = read_all(client, sandbox.token(index), object_type, archived="true")
            assert len(gone) == expected["archived_count"]
            assert checksum(gone) == expected["archived_checksum"]
            assert all(r["archived"] and r["archivedAt"] == r["updatedAt"] for r in gone)


def test_engagements_flag_is_the_total_split_with_calls_and_emails_most_common(truth):
    objects = truth["account-1"]["hubspot"]["objects"]
    totals = {t: objects[t]["count"] + objects[t]["archived_count"] for t in ENGAGEMENTS}
    assert sum(totals.values()) == 1500
    assert sorted(totals, key=totals.get)[-2:] in (["calls", "emails"], ["emails", "calls"])
    # CRM records scale with the engagements: a contact per 5, a company per 4 contacts, …
    assert objects["contacts"]["count"] + objects["contacts"]["archived_count"] == 300
    assert objects["companies"]["count"] + objects["companies"]["archived_count"] == 75
    assert objects["deals"]["count"] + objects["deals"]["archived_count"] == 38


def test_aggregates_match_truth(sandbox, read_all, truth):
    expected = truth["account-1"]["hubspot"]["objects"]
    with sandbox.client() as client:
        deals = read_all(client, sandbox.token(), "deals", properties="amount")
        cents = sum(round(float(d["properties"]["amount"]) * 100) for d in deals if d["properties"]["amount"])
        assert cents == expected["deals"]["amount_cents_sum"]
        companies = read_all(client, sandbox.token(), "companies", properties="numberofemployees")
        assert sum(int(c["properties"]["numberofemployees"]) for c in companies) == \
            expected["companies"]["employees_sum"]
        contacts = read_all(client, sandbox.token(), "contacts")
        assert sum(1 for c in contacts if c["properties"]["email"]) == expected["contacts"]["with_email_count"]
        emails = read_all(client, sandbox.token(), "emails", properties="hs_email_direction,hubspot_owner_id")
        assert sum(e["properties"]["hs_email_direction"] == "INCOMING_EMAIL" for e in emails) == \
            expected["emails"]["incoming_count"]
        assert sum(e["properties"]["hubspot_owner_id"] is None for e in emails) == \
            expected["emails"]["null_owner_count"] > 0  # some engagements have no owner
        tasks = read_all(client, sandbox.token(), "tasks", properties="hs_task_status")
        assert sum(t["properties"]["hs_task_status"] == "COMPLETED" for t in tasks) == \
            expected["tasks"]["completed_count"]


@pytest.mark.parametrize(
    ("object_type", "defaults"),
    [
        ("contacts", {"createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"}),
        ("companies", {"createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"}),
        ("deals", {"amount", "closedate", "createdate", "dealname", "dealstage", "hs_lastmodifieddate",
                   "hs_object_id", "pipeline"}),
        ("emails", {"hs_createdate", "hs_lastmodifieddate", "hs_object_id"}),
        ("tasks", {"hs_createdate", "hs_lastmodifieddate", "hs_object_id"}),
    ],
)
def test_default_properties_without_a_properties_parameter(sandbox, object_type, defaults):
    with sandbox.client() as client:
        page = client.get(f"/crm/v3/objects/{object_type}", headers=auth(sandbox.token())).json()
    assert all(set(r["properties"]) == defaults for r in page["results"])


def test_requested_properties_replace_the_defaults_but_keep_the_base_ones(sandbox):
    with sandbox.client() as client:
        page = client.get("/crm/v3/objects/contacts", params={"properties": "jobtitle"},
                          headers=auth(sandbox.token())).json()
        singular = client.get("/crm/v3/objects/contact", params={"limit": 1}, headers=auth(sandbox.token()))
        by_type_id = client.get("/crm/v3/objects/0-1", params={"limit": 1}, headers=auth(sandbox.token()))
    assert set(page["results"][0]["properties"]) == {"createdate", "hs_object_id", "jobtitle", "lastmodifieddate"}
    assert singular.json()["results"][0]["id"] == by_type_id.json()["results"][0]["id"] == page["results"][0]["id"]


@pytest.fixture(scope="module")
def rendered_names() -> dict[str, set[str]]:
    """Per kind, the properties its records render (the rest of its definitions are definitions
    only), read in-process from a store with the session sandbox's seed and accounts: the names
    depend only on the kind and the portal (its custom properties), not on the data's size."""
    settings = SandboxSettings(accounts=2, engagements_per_account=100, seed=7)
    account = build_store(settings).accounts[1]
    names: dict[str, set[str]] = {}
    for object_type in ENGAGEMENTS + RECORDS:
        kind, table = OBJECT_KINDS[object_type], account.hubspot.objects[object_type]
        names[object_type] = {name for row in range(min(len(table), 5))
                              for name in kind.property_values(settings.seed, account, table, row)}
    return names


def _definitions(client, token: str, object_type: str) -> dict[str, dict]:
    response = client.get(f"/crm/v3/properties/{object_type}", headers=auth(token))
    assert response.status_code == 200
    return {p["name"]: p for p in response.json()["results"]}


@pytest.mark.parametrize("object_type", ENGAGEMENTS + RECORDS)
def test_every_value_fits_its_property_definition(sandbox, read_all, rendered_names, object_type):
    """Every property a record renders is described by the properties API, with a value of its
    type: enumeration values are options, numbers parse, datetimes are ISO strings. Every
    requested definition comes back, null where the record has no value."""
    token = sandbox.token(1)
    with sandbox.client() as client:
        definitions = _definitions(client, token, object_type)
        if object_type == "emails":  # bodies up to 1 MB: the values are checked in the test below
            del definitions["hs_email_text"], definitions["hs_email_html"]
        records = read_all(client, token, object_type, properties=",".join(definitions))
    seen: set[str] = set()
    for record in records:
        assert set(record["properties"]) >= set(definitions), set(definitions) - set(record["properties"])
        for name, value in record["properties"].items():
            assert name in definitions, f"{object_type}.{name} has no definition"
            if value is None:
                continue
            seen.add(name)
            definition = definitions[name]
            assert isinstance(value, str)
            if definition["type"] == "enumeration" and not definition["externalOptions"]:
                assert value in {o["value"] for o in definition["options"]}, (name, value)
            elif definition["type"] == "number":
                float(value)
            elif definition["type"] == "datetime":
                assert ISO_MS.match(value), (name, value)
            elif definition["type"] == "bool":
                assert value in ("true", "false")
    # Nearly every property records render has a value on some record.
    rendered = rendered_names[object_type] & set(definitions)
    assert len(rendered) >= 5 and seen <= rendered, seen - rendered
    assert len(seen) >= len(rendered) - 3, rendered - seen


def test_owner_ids_on_records_are_owners(sandbox, read_all):
    with sandbox.client(headers=auth(sandbox.token())) as client:
        owners = client.get("/crm/v3/owners").json()["results"]
        owners += client.get("/crm/v3/owners", params={"archived": "true"}).json()["results"]
        owner_ids = {o["id"] for o in owners}
        calls = read_all(client, sandbox.token(), "meetings", properties="hubspot_owner_id")
    used = {c["properties"]["hubspot_owner_id"] for c in calls}
    assert None in used
    assert used - {None} <= owner_ids
    archived_ids = {o["id"] for o in owners if o["archived"]}
    assert used & archived_ids  # a departed rep still owns records: load archived owners too


def test_email_bodies_range_from_tiny_to_one_megabyte_with_unicode(sandbox, read_all):
    with sandbox.client() as client:
        emails = read_all(client, sandbox.token(), "emails", properties="hs_email_text,hs_email_html")
    texts = [e["properties"]["hs_email_text"] for e in emails]
    lengths = sorted(len(t) for t in texts)
    assert lengths[0] <= 2 and lengths[-1] == 1_000_000
    corpus = "".join(t[:2000] for t in texts)
    assert re.search("[\u0600-\u06ff]", corpus) and re.search("[\u0590-\u05ff]", corpus)  # Arabic, Hebrew
    assert re.search("[\U0001f300-\U0001faff]", corpus) and re.search("[\u3040-\u30ff]", corpus)
    htmls = [e["properties"]["hs_email_html"] for e in emails]
    assert None in htmls  # plain-text emails have no HTML version
    assert any(h and 'dir="rtl"' in h for h in htmls)
    assert max(len(h) for h in htmls if h) < 1_300_000


def test_email_participants_are_the_associated_contacts(sandbox, read_all):
    token = sandbox.token()
    with sandbox.client() as client:
        contacts = {c["id"]: c["properties"]["email"] for c in read_all(client, token, "contacts")}
        emails = read_all(client, token, "emails", associations="contacts",
                          properties="hs_email_direction,hs_email_to_email,hs_email_from_email")
    checked = 0
    for email in emails:
        linked = [contacts.get(a["id"]) for a in email.get("associations", {}).get("contacts", {}).get("results", [])]
        linked = [address for address in linked if address]
        if not linked:
            continue
        props = email["properties"]
        if props["hs_email_direction"] == "INCOMING_EMAIL":
            assert props["hs_email_from_email"] == linked[0]
        else:
            assert props["hs_email_to_email"].split(";") == linked
        checked += 1
    assert checked > 100


def test_contact_emails_are_unique_and_some_use_mixed_case(sandbox, read_all):
    with sandbox.client() as client:
        emails = [c["properties"]["email"] for c in read_all(client, sandbox.token(), "contacts")]
    present = [e for e in emails if e]
    assert len({e.lower() for e in present}) == len(present)
    assert any(e != e.lower() for e in present)
    assert None in emails
