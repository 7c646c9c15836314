"""An import (load_demo, import_catalogue) is one "imported" history entry
per object, by "import", not one "added by automatic update" per save; the
Changes pages list it so, and the admin's history says who in words."""

import html
import re

import pytest
from django.core.management import call_command
from django.test import Client

from comparison import catalogue_io
from comparison.models import Assessment, Comparison, Criterion, Difference
from core.history import DEMO_IMPORT, FILE_IMPORT, importing
from frameworks.models import Framework, ProCon
from tests.admin_helpers import admin_url, table_rows
from tests.comparison.test_catalogue_io import empty_database

pytestmark = pytest.mark.django_db

CURATED = (Framework, ProCon, Criterion, Assessment, Comparison, Difference)


def words(response):
    text = re.sub(r"<[^>]+>", "", response.content.decode())
    return " ".join(html.unescape(text).split())


def rows_by_object(model):
    """{object pk: [(history type, reason, user id)]} of the history of a
    model's objects (not of those deleted)."""
    found = {}
    rows = model.history.filter(id__in=model.objects.values("pk")).order_by("history_date")
    for pk, kind, reason, user in rows.values_list(
        "id", "history_type", "history_change_reason", "history_user_id"
    ):
        found.setdefault(pk, []).append((kind, reason, user))
    return found


def test_the_demo_writes_one_imported_row_per_object(demo):
    for model in CURATED:
        rows = rows_by_object(model)
        assert set(rows) == set(model.objects.values_list("pk", flat=True)), model
        assert all(r == [("+", DEMO_IMPORT, None)] for r in rows.values()), model


def test_a_comparison_published_by_the_import_has_one_row_in_its_final_state(demo):
    comparison = Comparison.objects.get(slug="django-vs-flask")

    (row,) = comparison.history.all()

    assert (row.history_type, row.is_published) == ("+", True)
    assert row.framework_key == comparison.framework_key != ""


def test_the_changes_page_lists_one_imported_entry_per_object(demo):
    flask = Framework.objects.get(slug="flask")
    objects = (
        1 + flask.procons.approved().count() + Assessment.objects.filter(framework=flask).count()
    )

    body = words(Client().get("/frameworks/flask/changes/"))

    assert len(re.findall(r"\b(Framework|Pro|Con|Assessment) imported:", body)) == objects
    assert body.count("by import ·") == objects
    assert "automatic update" not in body
    assert not re.search(r"\b(Framework|Pro|Con|Assessment) added:", body)
    assert "Framework imported: Flask" in body


def test_the_comparison_changes_page_says_imported_too(demo):
    body = words(Client().get("/compare/django-vs-flask/changes/"))

    assert "Comparison imported: " in body
    assert "automatic update" not in body
    assert not re.search(r"\b(Comparison|Difference|Framework|Pro|Con|Assessment) added:", body)


def test_running_the_demo_again_writes_no_history(demo):
    before = {model: model.history.count() for model in CURATED}

    call_command("load_demo", verbosity=0)

    assert {model: model.history.count() for model in CURATED} == before


def test_an_update_by_the_demo_is_one_changed_row_by_import(demo, admin_user):
    flask = Framework.objects.get(slug="flask")
    flask.tagline = "A curator's words"
    flask._history_user = admin_user
    flask.save()

    call_command("load_demo", "--update", verbosity=0)

    assert [(kind, reason) for kind, reason, _ in rows_by_object(Framework)[flask.pk]] == [
        ("+", DEMO_IMPORT),
        ("~", None),
        ("~", DEMO_IMPORT),
    ]
    body = words(Client().get("/frameworks/flask/changes/"))
    assert "Framework changed: Flask by import" in body


def test_a_catalogue_file_import_is_one_imported_row_per_object(demo, tmp_path):
    path = tmp_path / "catalogue.json"
    call_command("export_catalogue", str(path), verbosity=0)
    empty_database()

    catalogue_io.import_catalogue(path.read_bytes())

    for model in CURATED:
        rows = rows_by_object(model)
        assert rows, model
        assert all(r == [("+", FILE_IMPORT, None)] for r in rows.values()), model
    body = words(Client().get("/frameworks/flask/changes/"))
    assert "Framework imported: Flask by import" in body


def test_the_admin_history_says_import(admin_client, demo):
    flask = Framework.objects.get(slug="flask")

    rows = table_rows(admin_client.get(admin_url(Framework, "history", flask.pk)), "change-history")

    assert [(r["Changed by"]["text"], r["Change reason"]["text"]) for r in rows] == [
        ("import", DEMO_IMPORT)
    ]


def test_saves_after_an_import_are_not_the_imports(db):
    with importing(DEMO_IMPORT):
        criterion = Criterion.objects.create(name="Speed", slug="speed", position=1)
    criterion = Criterion.objects.get(pk=criterion.pk)
    criterion.name = "Raw speed"
    criterion.save()

    with pytest.raises(RuntimeError), importing(DEMO_IMPORT):
        raise RuntimeError("the import failed")
    criterion = Criterion.objects.get(pk=criterion.pk)
    criterion.name = "Throughput"
    criterion.save()

    reasons = list(criterion.history.order_by("history_date").values_list("history_change_reason"))
    assert reasons == [(DEMO_IMPORT,), (None,), (None,)]


def test_an_import_that_changes_a_framework_is_one_changed_row(demo, tmp_path):
    path = tmp_path / "catalogue.json"
    call_command("export_catalogue", str(path), verbosity=0)
    document = __import__("json").loads(path.read_text())
    flask = next(f for f in document["frameworks"] if f["slug"] == "flask")
    flask["tagline"] = "New words"
    flask["pros"][0]["detail"] = "New detail."
    pros = ProCon.objects.filter(framework__slug="flask")
    before = {model: model.history.count() for model in CURATED}

    catalogue_io.import_catalogue(catalogue_io.dumps(document))

    flask_pk = Framework.objects.get(slug="flask").pk
    assert rows_by_object(Framework)[flask_pk][-1] == ("~", FILE_IMPORT, None)
    changed = pros.get(text=flask["pros"][0]["text"])
    assert rows_by_object(ProCon)[changed.pk][-1] == ("~", FILE_IMPORT, None)
    after = {model: model.history.count() for model in CURATED}
    assert after == {**before, Framework: before[Framework] + 1, ProCon: before[ProCon] + 1}
