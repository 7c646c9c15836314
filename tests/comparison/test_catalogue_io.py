"""The catalogue file: export, import, round trip and refused files."""

import datetime as dt
import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from comparison import catalogue_io
from comparison.models import Assessment, Comparison, Criterion, Difference
from frameworks.models import Category, Decision, Framework, ProCon, Vote
from stats.models import ReleaseSeries, StatSnapshot
from tests.factories import ProConFactory, UserFactory, VoteFactory

pytestmark = pytest.mark.django_db


def export(tmp_path, name="catalogue.json"):
    path = tmp_path / name
    call_command("export_catalogue", str(path), verbosity=0)
    return path


def empty_database():
    Vote.objects.all().delete()
    Decision.objects.all().delete()
    for model in (Difference, Comparison, Assessment, Criterion, ProCon):
        model.objects.all().delete()
    Framework.objects.all().delete()
    Category.objects.update(parent=None)
    Category.objects.all().delete()
    get_user_model().objects.all().delete()


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Category, Criterion, Framework, Assessment, ProCon, Comparison, Difference)
    }


def test_round_trip_through_an_empty_database_gives_identical_bytes(demo, tmp_path):
    # Members' votes on top of imported baselines travel as the shown count.
    flask_con = ProCon.objects.filter(framework__slug="flask", kind="con").first()
    VoteFactory(procon=flask_con)
    flask_con.refresh_from_db()
    first = export(tmp_path, "first.json")
    before = counts()

    empty_database()
    assert counts()["Framework"] == 0
    summary = catalogue_io.import_catalogue(first.read_bytes())
    second = export(tmp_path, "second.json")

    assert second.read_bytes() == first.read_bytes()
    assert counts() == before
    imported = ProCon.objects.get(pk=ProCon.objects.get(text=flask_con.text).pk)
    assert imported.votes_count == flask_con.votes_count
    assert imported.baseline_votes == flask_con.votes_count  # no members here
    # Every row is new: none counts as updated (a category's parent, set
    # after both exist, was counted as an update of the created row).
    assert summary == {"created": summary["created"], "updated": 0, "unchanged": 0}
    assert summary["created"] == (
        sum(counts().values()) + StatSnapshot.objects.count() + ReleaseSeries.objects.count()
    )


def test_export_holds_statistics_provenance_and_counts(demo, tmp_path):
    document = json.loads(export(tmp_path).read_text())
    assert document["format"] == "stackcompare-catalogue"
    assert document["version"] == 2
    django = next(f for f in document["frameworks"] if f["slug"] == "django")
    source = Framework.objects.get(slug="django")
    assert django["statistics"]["github_stars"] == source.github_stars
    assert django["statistics"]["as_of"] == source.stats_as_of.isoformat()
    history = [(h["metric"], h["day"], h["value"]) for h in django["history"]]
    assert history == [
        (s.metric, s.day.isoformat(), s.value)
        for s in StatSnapshot.objects.filter(framework=source).order_by("metric", "day")
    ]
    # The 2021 article's figure, from the demo's history.
    assert any(metric == "github_stars" and value == 58_000 for metric, _, value in history)
    assessment = Assessment.objects.filter(framework=source).exclude(source_url="").first()
    exported = next(a for a in django["assessments"] if a["criterion"] == assessment.criterion.slug)
    assert exported["source_url"] == assessment.source_url
    assert exported["checked_on"] == (
        assessment.checked_on.isoformat() if assessment.checked_on else None
    )
    pro = ProCon.objects.filter(framework=source, kind="pro").order_by("-votes_count").first()
    assert {"text": pro.text, "detail": pro.detail, "votes": pro.votes_count} in django["pros"]
    curated = next(c for c in document["comparisons"] if c["frameworks"] == ["django", "flask"])
    assert curated["differences"], "differences travel with their comparison"


def test_export_leaves_out_what_the_public_does_not_see(demo, tmp_path):
    flask = Framework.objects.get(slug="flask")
    ProConFactory(framework=flask, text="Pending idea", status=ProCon.Status.PENDING)
    Framework.objects.filter(slug="bottle").update(is_published=False)
    document = json.loads(export(tmp_path).read_text())
    slugs = {f["slug"] for f in document["frameworks"]}
    assert "bottle" not in slugs
    assert all("bottle" not in f["alternatives"] for f in document["frameworks"])
    flask_row = next(f for f in document["frameworks"] if f["slug"] == "flask")
    assert "Pending idea" not in {p["text"] for p in flask_row["pros"]}


def test_import_twice_changes_nothing(demo, tmp_path):
    path = export(tmp_path)
    call_command("import_catalogue", str(path), verbosity=0)
    summary = catalogue_io.import_catalogue(path.read_bytes())
    assert summary["created"] == 0
    assert summary["updated"] == 0
    assert export(tmp_path, "again.json").read_bytes() == path.read_bytes()


def test_a_curated_comparisons_frameworks_and_differences_are_the_files(demo, tmp_path):
    document = json.loads(export(tmp_path).read_text())
    curated = next(c for c in document["comparisons"] if c["slug"] == "django-vs-flask")
    curated["frameworks"].reverse()
    dropped, changed = curated["differences"][:2]
    curated["differences"].remove(dropped)
    changed["text"] = "Changed by the file."
    comparison = Comparison.objects.get(slug="django-vs-flask")
    gone = Difference.objects.get(comparison=comparison, criterion__slug=dropped["criterion"])

    catalogue_io.import_catalogue(catalogue_io.dumps(document))

    comparison = Comparison.objects.with_frameworks().get(slug="django-vs-flask")
    assert [f.slug for f in comparison.ordered_frameworks()] == curated["frameworks"]
    texts = {d.criterion.slug: d.text for d in comparison.differences.all()}
    assert texts == {d["criterion"]: d["text"] for d in curated["differences"]}
    assert gone.history.model.objects.filter(id=gone.pk, history_type="-").exists()
    changed_row = comparison.differences.get(criterion__slug=changed["criterion"])
    assert changed_row.history.latest().history_type == "~"
    assert catalogue_io.import_catalogue(catalogue_io.dumps(document))["updated"] == 0


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
@pytest.mark.parametrize(
    ("name", "read"), [("Bell\x07 \\b\\u0000", "Bell \\b\\u0000"), ("Plain \\b", "Plain \\b")]
)
def test_the_text_policy_reads_escaped_controls_in_any_encoding(encoding, name, read):
    document = {"format": "stackcompare-catalogue", "version": 2, "categories": [{"name": name}]}

    parsed = catalogue_io.parse(json.dumps(document).encode(encoding))

    assert parsed["categories"][0]["name"] == read


def test_each_row_counts_once_in_the_summary(demo, tmp_path):
    path = export(tmp_path)
    document = json.loads(path.read_text())
    moved = next(c for c in document["categories"] if c["parent"])
    moved["parent"] = None
    path.write_text(json.dumps(document))

    summary = catalogue_io.import_catalogue(path.read_bytes())

    assert summary["created"] == 0
    assert summary["updated"] == 1  # the category, not also "unchanged" before its parent
    assert sum(summary.values()) == (
        sum(counts().values()) + StatSnapshot.objects.count() + ReleaseSeries.objects.count()
    )


def test_import_keeps_members_votes_and_shows_the_files_count(demo, tmp_path):
    path = export(tmp_path)
    document = json.loads(path.read_text())
    flask = next(f for f in document["frameworks"] if f["slug"] == "flask")
    flask["pros"][0]["votes"] = 500
    path.write_text(json.dumps(document))
    procon = ProCon.objects.get(framework__slug="flask", kind="pro", text=flask["pros"][0]["text"])
    VoteFactory(procon=procon, user=UserFactory())
    VoteFactory(procon=procon, user=UserFactory())

    call_command("import_catalogue", str(path), verbosity=0)

    procon.refresh_from_db()
    assert procon.votes_count == 500
    assert procon.baseline_votes == 498
    assert procon.votes.count() == 2


def test_import_seeds_an_empty_site(tmp_path):
    document = {
        "format": "stackcompare-catalogue",
        "version": 1,
        "categories": [{"slug": "web", "name": "Web"}],
        "criteria": [{"slug": "orm", "name": "ORM", "question": "Ships an ORM?"}],
        "frameworks": [
            {
                "slug": slug,
                "name": slug.title(),
                "category": "web",
                "statistics": {"github_stars": 10, "as_of": "2024-05-01"},
                "assessments": [{"criterion": "orm", "verdict": "yes", "summary": "Yes."}],
                "pros": [{"text": "Fast", "votes": 3}],
            }
            for slug in ("alpha", "beta")
        ],
        "comparisons": [
            {
                "slug": "alpha-beta",
                "title": "Alpha vs Beta",
                "frameworks": ["beta", "alpha"],
                "differences": [{"criterion": "orm", "text": "Both.", "position": 1}],
            }
        ],
    }
    path = tmp_path / "seed.json"
    path.write_text(json.dumps(document))
    call_command("import_catalogue", str(path), verbosity=0)
    comparison = Comparison.objects.with_frameworks().get(slug="alpha-beta")
    assert comparison.is_published
    assert [f.slug for f in comparison.ordered_frameworks()] == ["beta", "alpha"]
    assert ProCon.objects.get(framework__slug="alpha").votes_count == 3
    assert Framework.objects.get(slug="beta").stats_as_of.isoformat() == "2024-05-01"
    assert Framework.objects.get(slug="beta").github_forks is None  # unknown stays unknown


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"not json", "not a JSON file"),
        (b"\xff\xfe", "not a JSON file"),
        (b"[]", "not a catalogue file"),
        (b'{"format": "other", "version": 1}', "not a catalogue file"),
        (b'{"format": "stackcompare-catalogue", "version": 3}', "version 3"),
        (b'{"format": "stackcompare-catalogue", "version": true}', "version true"),
        (b'{"format": "stackcompare-catalogue"}', "version null"),
        (b'{"format": "stackcompare-catalogue", "version": 1}', "catalogue.frameworks: is missing"),
        # Deeper than Python's JSON parser can follow: one line, no RecursionError.
        (b"[" * 200_000 + b"]" * 200_000, "nests deeper than"),
        (
            b'{"format": "stackcompare-catalogue", "version": 1, "frameworks": '
            + b"[" * 200_000
            + b"]" * 200_000
            + b"}",
            "nests deeper than",
        ),
    ],
)
def test_a_file_that_is_no_catalogue_of_this_version_is_refused(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_bytes(content)
    with pytest.raises(CommandError, match=message):
        call_command("import_catalogue", str(path), verbosity=0)


def test_a_missing_file_is_a_clear_error(tmp_path):
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("import_catalogue", str(tmp_path / "nope.json"), verbosity=0)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["frameworks"][-1].update(category="nowhere"), 'no category "nowhere"'),
        (lambda d: d["frameworks"][-1].update(slug="Bad Slug"), "slug"),
        (
            lambda d: d["frameworks"][-1]["statistics"].update(github_stars="many"),
            "github_stars: must be a whole number",
        ),
        (
            lambda d: d["frameworks"][-1]["statistics"].update(as_of="yesterday"),
            "as_of: must be a date",
        ),
        (lambda d: d["frameworks"][-1]["pros"].append({"text": "x", "votes": -1}), "negative"),
        (lambda d: d["frameworks"][-1]["pros"].append({"text": "x", "votes": True}), "whole"),
        (
            lambda d: d["frameworks"][-1]["assessments"].append(
                {"criterion": d["criteria"][0]["slug"], "verdict": "maybe", "summary": "?"}
            ),
            "verdict",
        ),
        # The text policy (core/text.py): a NUL or a lone surrogate is refused,
        # with its place (PostgreSQL could not store it: a DataError before).
        (
            lambda d: d["frameworks"][-1].update(name="Dja\u0000ngo"),
            r"frameworks\[\d+\]\.name: holds a NUL character",
        ),
        (
            lambda d: d["frameworks"][-1].update(category="web\u0000"),
            r"frameworks\[\d+\]\.category: holds a NUL character",
        ),
        (
            lambda d: d["frameworks"][-1]["alternatives"].append("dj\u0000ango"),
            r"frameworks\[\d+\]\.alternatives\[\d+\]: holds a NUL character",
        ),
        (
            lambda d: d["frameworks"][-1]["pros"].append({"text": "x\ud800", "votes": 1}),
            r"pros\[\d+\]\.text: holds a lone surrogate",
        ),
        (
            lambda d: d["frameworks"][-1].update({"na\u0000me": "x"}),
            r"frameworks\[\d+\]: 'na\\x00me' is not a field of a catalogue file",
        ),
        (lambda d: d["comparisons"][0].update(frameworks=["django"]), "2 to 4"),
        (lambda d: d["comparisons"][0].update(frameworks=["django", "ghost"]), '"ghost"'),
        (lambda d: d["categories"][0].update(parent=d["categories"][0]["slug"]), "cycle"),
        (
            lambda d: d["comparisons"].append(
                {**d["comparisons"][0], "slug": "same-set-again", "title": "Same set"}
            ),
            "already holds them",
        ),
        # Fields the format does not have: the file expects something the
        # import would not do (make a curator, keep an id).
        (lambda d: d["frameworks"][-1].update(is_staff=True), r"\]\.is_staff: is not a field"),
        (lambda d: d["categories"][0].update(pk=1), r"categories\[0\]\.pk: is not a field"),
        (
            lambda d: d["frameworks"][-1]["pros"].append({"text": "x", "votes": 1, "id": 7}),
            r"\.id: is not a field",
        ),
        (
            lambda d: d["frameworks"][0]["statistics"].update(stars=1),
            r"frameworks\[0\]\.statistics\.stars: is not a field",
        ),
        (lambda d: d.update(members=[]), r" catalogue\.members: is not a field"),
    ],
)
def test_an_invalid_file_is_refused_and_nothing_is_written(demo, tmp_path, change, message):
    path = export(tmp_path)
    document = json.loads(path.read_text())
    # Valid changes first, so a half-written import would show.
    document["frameworks"][0]["tagline"] = "Changed by the refused import"
    document["criteria"].append({"slug": "new-criterion", "name": "New criterion"})
    change(document)
    path.write_text(json.dumps(document))
    before = counts()
    with pytest.raises(CommandError, match=message) as raised:
        call_command("import_catalogue", str(path), verbosity=0)
    assert "nothing was written" in str(raised.value)
    assert counts() == before
    assert not Framework.objects.filter(tagline="Changed by the refused import").exists()
    assert not Criterion.objects.filter(slug="new-criterion").exists()


@pytest.mark.parametrize(
    ("duplicate", "message"),
    [
        (
            ('"tagline": "Changed by the refused import"', '"tagline": "Another"'),
            r"catalogue\.frameworks\[0\]: \"tagline\" is given twice",
        ),
        (('"version": 2', '"version": 1'), r" catalogue: \"version\" is given twice"),
    ],
)
def test_a_key_given_twice_is_refused_and_nothing_is_written(demo, tmp_path, duplicate, message):
    """JSON readers keep the last of two equal keys; which one the author
    meant is anyone's guess, so the import names the entry instead."""
    path = export(tmp_path)
    document = json.loads(path.read_text())
    document["frameworks"][0]["tagline"] = "Changed by the refused import"
    first, second = duplicate
    text = json.dumps(document)
    assert first in text
    path.write_text(text.replace(first, f"{first}, {second}", 1))
    before = counts()

    with pytest.raises(CommandError, match=message):
        call_command("import_catalogue", str(path), verbosity=0)

    assert counts() == before
    assert not Framework.objects.filter(tagline="Changed by the refused import").exists()


def test_an_import_strips_control_characters_but_tab_and_newlines(demo, tmp_path):
    path = export(tmp_path)
    document = json.loads(path.read_text())
    framework = document["frameworks"][0]
    name = framework["name"]
    framework["name"] = f"{name[:2]}\u0001{name[2:]}\u000b"
    framework["description"] = "First\u001b line\n\tindented"
    framework["pros"].append({"text": "Fast\u0007 and small", "votes": 2})
    other = document["frameworks"][1]["slug"]
    framework["alternatives"].append("\u0002" + other)
    path.write_text(json.dumps(document))

    call_command("import_catalogue", str(path), verbosity=0)

    stored = Framework.objects.get(slug=framework["slug"])
    assert stored.name == name
    assert stored.description == "First line\n\tindented"
    assert stored.procons.filter(text="Fast and small").exists()
    assert stored.alternatives.filter(slug=other).exists()


def test_history_entries_are_imported_and_checked(demo, tmp_path):
    path = export(tmp_path)
    document = json.loads(path.read_text())
    slug = document["frameworks"][0]["slug"]
    document["frameworks"][0]["history"].append(
        {"metric": "github_stars", "value": 10, "day": "2024-01-01", "source": "github"}
    )
    path.write_text(json.dumps(document))
    call_command("import_catalogue", str(path), verbosity=0)
    stored = StatSnapshot.objects.get(framework__slug=slug, metric="github_stars", day="2024-01-01")
    assert (stored.value, stored.source) == (10, "github")
    document["frameworks"][0]["history"] = [{"metric": "github_stars"}]
    path.write_text(json.dumps(document))
    with pytest.raises(CommandError, match=r"history\[0\]\.value: is missing"):
        call_command("import_catalogue", str(path), verbosity=0)


def test_export_to_standard_output_is_the_same_document(demo, tmp_path, capsys):
    path = export(tmp_path)
    call_command("export_catalogue", "-")
    assert capsys.readouterr().out.encode() == path.read_bytes()


def test_the_command_line_refuses_a_bad_file_without_a_traceback(tmp_path):
    """As an operator sees it: one line saying why, exit status 1."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "DATABASE_")) and k not in ("SECRET_KEY", "DEBUG")
    }
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'db.sqlite3'}"
    bad = tmp_path / "other-version.json"
    bad.write_text('{"format": "stackcompare-catalogue", "version": 7}')
    run = subprocess.run(
        [sys.executable, "manage.py", "import_catalogue", str(bad)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "CommandError:" in run.stderr
    assert "format version 7; this site reads versions 1 and 2" in run.stderr


def test_release_series_travel_with_their_framework(demo, tmp_path):
    document = json.loads(export(tmp_path).read_text())
    django = next(f for f in document["frameworks"] if f["slug"] == "django")
    assert django["endoflife_product"] == "django"
    lts = next(s for s in django["release_series"] if s["name"] == "5.2")
    assert lts["released"] == "2025-04-02" and lts["security_ends"] == "2028-04-30"
    assert lts["lts"] is True and lts["latest"] == ""  # unknown stays unknown
    lts["security_ends"] = "2028-05-31"
    lts["curated"] = True
    catalogue_io.import_catalogue(json.dumps(document).encode())
    series = ReleaseSeries.objects.get(framework__slug="django", name="5.2")
    assert series.security_ends == dt.date(2028, 5, 31) and series.curated


def test_a_version_1_file_is_read_and_leaves_series_and_product_alone(demo, tmp_path):
    document = json.loads(export(tmp_path).read_text())
    document["version"] = 1
    for framework in document["frameworks"]:
        del framework["endoflife_product"], framework["release_series"]
    catalogue_io.import_catalogue(json.dumps(document).encode())
    assert Framework.objects.get(slug="django").endoflife_product == "django"
    assert ReleaseSeries.objects.filter(framework__slug="django").count() == 2


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"released": "April 2025"}, "must be a date as YYYY-MM-DD"),
        ({"lts": "yes"}, "must be true or false"),
        ({"latest": "<script>"}, "Write a version such as"),
        ({"source": ""}, "source"),
    ],
)
def test_a_bad_release_series_is_refused_and_nothing_is_written(demo, tmp_path, change, message):
    document = json.loads(export(tmp_path).read_text())
    django = next(f for f in document["frameworks"] if f["slug"] == "django")
    django["tagline"] = "Changed by the refused import"
    django["release_series"][0].update(change)
    with pytest.raises(catalogue_io.CatalogueError, match=message):
        catalogue_io.import_catalogue(json.dumps(document).encode())
    assert Framework.objects.get(slug="django").tagline != "Changed by the refused import"


def test_a_row_the_database_refuses_is_named_and_nothing_is_written(demo, tmp_path):
    """Uniqueness is the database's to check in a bulk write: the batch it
    refuses is written again row by row, so the error still names the entry."""
    path = export(tmp_path)
    document = json.loads(path.read_text())
    document["frameworks"][0]["tagline"] = "Changed by the refused import"
    twin = {**document["frameworks"][1], "slug": "a-twin"}  # the same name, another slug
    document["frameworks"].append(twin)
    path.write_text(json.dumps(document))
    before = counts()

    with pytest.raises(CommandError, match=r"catalogue\.frameworks\[\d+\]: name: ") as raised:
        call_command("import_catalogue", str(path), verbosity=0)

    assert "\n" not in str(raised.value)
    assert counts() == before
    assert not Framework.objects.filter(tagline="Changed by the refused import").exists()


def test_an_entry_given_twice_in_one_framework_is_one_row(demo, tmp_path):
    path = export(tmp_path)
    document = json.loads(path.read_text())
    flask = next(f for f in document["frameworks"] if f["slug"] == "flask")
    flask["pros"].append({**flask["pros"][0], "text": flask["pros"][0]["text"].upper()})
    path.write_text(json.dumps(document))
    before = counts()

    call_command("import_catalogue", str(path), verbosity=0)

    assert counts() == before
    assert ProCon.objects.filter(text=flask["pros"][0]["text"].upper()).exists()


def test_an_import_updates_only_what_changed(demo, tmp_path):
    path = export(tmp_path)
    document = json.loads(path.read_text())
    flask = next(f for f in document["frameworks"] if f["slug"] == "flask")
    flask["tagline"] = "New words"
    flask["alternatives"] = flask["alternatives"][1:]
    dropped = next(f for f in document["frameworks"] if f["slug"] == flask["alternatives"][0])
    path.write_text(json.dumps(document))

    summary = catalogue_io.import_catalogue(path.read_bytes())

    assert (summary["created"], summary["updated"]) == (0, 1)
    stored = Framework.objects.get(slug="flask")
    assert stored.tagline == "New words"
    assert set(stored.alternatives.values_list("slug", flat=True)) == set(flask["alternatives"]) | {
        f["slug"] for f in document["frameworks"] if "flask" in f["alternatives"]
    }
    assert dropped["slug"] in flask["alternatives"]


def test_a_long_import_reports_progress_on_stderr(demo, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(catalogue_io, "PROGRESS_EVERY", 5)
    path = export(tmp_path)
    frameworks = Framework.objects.count()

    call_command("import_catalogue", str(path))
    err = capsys.readouterr().err
    assert f"Read: 5 of {frameworks} frameworks" in err
    assert f"Written: {frameworks} of {frameworks} frameworks" in err

    call_command("import_catalogue", str(path), verbosity=0)
    assert capsys.readouterr().err == ""
    monkeypatch.setattr(catalogue_io, "PROGRESS_EVERY", 1000)  # a short import: no lines
    call_command("import_catalogue", str(path))
    assert capsys.readouterr().err == ""


def assessment_source_urls(document, *urls):
    """Give the first assessments of the file the source ``urls``, in file
    order; their places, as an error names them."""
    places = []
    for index, entry in enumerate(document["frameworks"]):
        for position, assessment in enumerate(entry["assessments"]):
            if len(places) == len(urls):
                return places
            assessment["source_url"] = urls[len(places)]
            places.append(rf"catalogue\.frameworks\[{index}\]\.assessments\[{position}\]")
    return places


def test_a_bad_url_given_twice_is_named_where_it_first_appears(demo, tmp_path):
    """A URL is checked once per distinct value (or site): the error still
    names the first entry that holds it, and nothing is written."""
    document = json.loads(export(tmp_path).read_text())
    document["frameworks"][0]["tagline"] = "Changed by the refused import"
    first, _ = assessment_source_urls(document, "https://exa_mple.com/a", "https://exa_mple.com/a")
    before = counts()

    with pytest.raises(
        catalogue_io.CatalogueError, match=rf"^{first}: source_url: Enter a valid URL"
    ):
        catalogue_io.import_catalogue(json.dumps(document).encode())

    assert counts() == before
    assert not Framework.objects.filter(tagline="Changed by the refused import").exists()


def test_a_url_is_checked_whole_though_its_site_was_seen(demo, tmp_path):
    """Once a site's URL passed, another URL of the same site is still
    refused for what its path holds (a space), with its own place."""
    document = json.loads(export(tmp_path).read_text())
    _, second = assessment_source_urls(
        document, "https://docs.example.org/ok", "https://docs.example.org/not ok"
    )
    with pytest.raises(catalogue_io.CatalogueError, match=rf"^{second}: source_url: Enter a valid"):
        catalogue_io.import_catalogue(json.dumps(document).encode())


@pytest.mark.parametrize(
    "url",
    [
        "https://docs.example.org/guide/",
        "https://docs.example.org/a b",
        "https://docs.example.org/a\u00a0b",
        "http://user:pw@host.example:8080/p?q=1#f",
        "http://a?b@host.example/p",
        "https://example.com?x/y",
        "https://example.com#x/y",
        "https://[::1]/x",
        "https://[::1/x",
        "https://münchen.example/x",
        "https://exa_mple.com/a",
        "https://example.com:999999/a",
        "https://.example.com/x",
        "https:///x",
        "foo/bar://example.com/x",
        "://example.com/x",
        "https://" + "a" * 250 + ".com/x",
        "https://example.com/" + "x" * 2100,
        "example.com/x",
    ],
)
def test_a_url_is_valid_exactly_when_its_site_is(url):
    """``_url_site()``: what Django's URL validator reads of a URL."""
    from django.core.exceptions import ValidationError
    from django.core.validators import URLValidator

    def valid(value):
        try:
            URLValidator()(value)
        except ValidationError:
            return False
        return True

    site = catalogue_io._url_site(url, URLValidator.max_length)
    assert len(site) <= len(url)
    assert valid(site) == valid(url)
