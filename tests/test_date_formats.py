"""One way to write a date on every page: "1 Jun 2025" (and "1 Jun 2025,
13:10", "Jun 2025"), defined once in core/formats/en/formats.py.

Templates and code name those formats instead of spelling one out; the
pages a reader and a curator see, rendered with the demo catalogue, carry
no date in another shape ("Jun 1, 2025", "Nov. 21, 2026", "June 2025",
"2025-06-01", "1:10 p.m.")."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils.formats import date_format

from comparison.models import EditSuggestion
from frameworks.models import Decision, Framework, ProCon
from members.models import Comment
from tests.factories import UserFactory, VoteFactory

ROOT = Path(settings.BASE_DIR)
#: The format names templates and code may use.
NAMED = {"DATE_FORMAT", "DATETIME_FORMAT", "YEAR_MONTH_FORMAT", "MONTH_DAY_FORMAT"}
#: Machine-readable formats, for ``datetime=""`` attributes only.
MACHINE = {"c", "Y-m-d"}


def templates():
    """The public Jinja2 templates and our admin (Django) templates."""
    found = list((ROOT / "templates").rglob("*.html"))
    for app in ("core", "frameworks", "stats", "members", "comparison", "history", "pages"):
        found += (ROOT / app / "templates").rglob("*.html")
    return sorted(found)


# |date, |date("X"), |date('X') (Jinja2) and |date:"X" (Django), with what
# comes before it on the line, to tell an attribute from text.
DATE_FILTER = re.compile(r"""\|\s*date\b(?:\(\s*(['"])(.*?)\1\s*\)|:\s*(['"])(.*?)\3)?""")


def test_the_formats_are_the_sites():
    day = datetime.date(2025, 6, 1)
    moment = datetime.datetime(2025, 6, 1, 13, 10, tzinfo=datetime.UTC)
    assert date_format(day) == "1 Jun 2025"
    assert date_format(moment, "DATETIME_FORMAT") == "1 Jun 2025, 13:10"
    assert date_format(day, "YEAR_MONTH_FORMAT") == "Jun 2025"
    assert date_format(day, "MONTH_DAY_FORMAT") == "1 Jun"


def test_templates_use_only_the_named_formats():
    wrong = []
    for path in templates():
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            for match in DATE_FILTER.finditer(line):
                arg = match.group(2) if match.group(2) is not None else match.group(4)
                if arg is None or arg in NAMED:
                    continue
                in_attribute = re.search(r'datetime="[^"]*$', line[: match.start()])
                if arg in MACHINE and in_attribute:
                    continue
                wrong.append(f"{path.relative_to(ROOT)}:{number}: date({arg!r})")
            if re.search(r"strftime|\|\s*(naturalday|naturaltime)", line):
                wrong.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert wrong == []


def test_code_uses_only_the_named_formats():
    """``date_format(value)`` or with a name; never a format spelled out."""
    wrong = []
    for app in ("core", "frameworks", "stats", "members", "comparison", "history", "pages"):
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts or path.parts[-3:-1] == ("formats", "en"):
                continue
            for number, line in enumerate(path.read_text().splitlines(), start=1):
                for arg in re.findall(
                    r"date_format\([^,()]+(?:\([^()]*\))?,\s*['\"]([^'\"]*)", line
                ):
                    if arg not in NAMED:
                        wrong.append(f"{path.relative_to(ROOT)}:{number}: {arg!r}")
    assert wrong == []


# --- The pages as rendered ---------------------------------------------------

OTHER_SHAPES = [
    # "Jun 1, 2025", "Nov. 21, 2026", "June 1, 2025"
    r"\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.? \d{1,2}, \d{4}",
    # "June 2025", "December 2026" (months are abbreviated: "Jun 2025")
    r"\b(January|February|March|April|June|July|August|September|October|November|December)"
    r" \d{4}\b",
    r"\b\d{4}-\d\d-\d\d\b",  # ISO dates are for attributes and feeds
    r"\b\d{1,2}(:\d\d)? [ap]\.m\.",  # "1:10 p.m."
]
SITE_SHAPE = r"\b\d{1,2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4}\b"


def visible_text(response):
    """What a reader sees: no scripts, styles, tags or attributes."""
    page = response.content.decode()
    page = re.sub(r"<(script|style|svg)\b.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r"<[^>]+>", " ", page)
    return " ".join(page.split())


def other_dates(text):
    return [m.group(0) for shape in OTHER_SHAPES for m in re.finditer(shape, text)]


@pytest.fixture
def busy_demo(demo):
    """The demo, with a member's vote, a comment, a suggestion and a change."""
    member = UserFactory(username="reader")
    item = ProCon.objects.filter(framework__slug="flask").first()
    VoteFactory(procon=item, user=member)
    decision = Decision.objects.filter(frameworks__slug="flask").first()
    Comment.objects.create(decision=decision, author=member, body="Same here.")
    flask = Framework.objects.get(slug="flask")
    EditSuggestion.objects.create(
        framework=flask,
        target=EditSuggestion.Target.STATISTIC,
        statistic="stacks",
        value=99,
        reason="New figure.",
        evidence_url="https://example.org/",
        snapshot={"value": flask.stacks},
        author=member,
    )
    flask.stats_as_of = datetime.date(2025, 6, 1)
    flask.save()
    return {"member": member, "item": item, "decision": decision, "flask": flask}


@pytest.mark.django_db
def test_public_pages_write_every_date_the_same_way(busy_demo):
    client = Client()
    client.force_login(busy_demo["member"])
    paths = [
        "/",
        "/frameworks/flask/",
        "/frameworks/flask/changes/",
        "/compare/django-vs-flask/",
        "/compare/django-vs-flask/changes/",
        busy_demo["decision"].get_absolute_url(),
        f"/procons/{busy_demo['item'].pk}/votes/",
        f"/members/{busy_demo['decision'].author.username}/",
        "/suggestions/mine/",
    ]
    seen = 0
    for path in paths:
        response = client.get(path)
        assert response.status_code == 200, path
        text = visible_text(response)
        assert other_dates(text) == [], path
        seen += len(re.findall(SITE_SHAPE, text))
    assert seen > 20  # the pages do show dates, in the site's shape


@pytest.mark.django_db
def test_admin_pages_write_every_date_the_same_way(admin_client, busy_demo):
    flask = busy_demo["flask"]
    suggestion = EditSuggestion.objects.get()
    paths = [
        "/admin/frameworks/vote/report/",
        "/admin/frameworks/decision/",
        "/admin/frameworks/vote/",
        f"/admin/frameworks/framework/{flask.pk}/history/",
        f"/admin/comparison/editsuggestion/{suggestion.pk}/change/",
        "/admin/members/comment/",
    ]
    for path in paths:
        response = admin_client.get(path)
        assert response.status_code == 200, path
        assert other_dates(visible_text(response)) == [], path
