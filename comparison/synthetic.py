"""A synthetic catalogue of any size, for measuring the site at scale.

``manage.py generate_catalogue --frameworks N`` (and ``make bench-scale``)
build it in two steps:

1. ``catalogue(n, seed)``: a catalogue document in the format of
   ``export_catalogue`` (``catalogue_io``), with the shapes of a real one:
   a category tree, 20 criteria and an assessment of every framework on
   each, 5 pros and 5 cons with vote counts, 8 alternatives, 11 history
   points, 2 integrations, and a curated comparison for every 50
   frameworks. ``import_catalogue`` loads it like any catalogue file.
2. ``add_members(document, members, seed)``: members, their votes (a third
   of each item's count, so the file's count stays the one shown), follows
   and stacks, written with ``bulk_create`` and the counters recounted.

The same ``n`` and ``seed`` always give the same document and the same
members. Running both steps again changes nothing: the import is
idempotent and the members' rows are added only when missing.

Synthetic rows are recognisable: every framework's website is on the
reserved ``.example`` domain (RFC 2606), every member's username starts
with ``synthetic-``. ``refuse_a_real_catalogue()`` stops the command
before it writes anything into a database holding anything else.
"""

import datetime
import random

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.db.models import Count, F, OuterRef, Subquery, Value
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone

from core.rows import insert_values
from frameworks.models import Framework, ProCon, Vote
from frameworks.services import recount_votes
from members.models import Follow, StackEntry
from members.services import recount_member_counts

from .catalogue_io import FORMAT, VERSION

DOMAIN = "synthetic.example"
MEMBER_PREFIX = "synthetic-"
DEFAULT_SEED = 30
#: Members per framework when not given (100,000 for 20,000 frameworks).
MEMBERS_PER_FRAMEWORK = 5
#: Members' follows and stack entries, each, per member on average.
FOLLOWS_PER_MEMBER = 2

#: Well-known names first, so the same addresses (/frameworks/django/,
#: /compare/django-vs-flask/) exist at every size; then made-up ones.
KNOWN = [
    "Django", "Flask", "FastAPI", "Ruby on Rails", "Laravel", "Express", "Spring Boot",
    "ASP.NET Core", "Phoenix", "Gin", "Actix Web", "Symfony", "NestJS", "Pyramid",
    "Tornado", "Bottle", "Sinatra", "Koa",
]  # fmt: skip
SYLLABLES = [
    "al", "ba", "cor", "da", "el", "fen", "gri", "ho", "ix", "ju", "ka", "lo", "mi",
    "nor", "ov", "pra", "qui", "ro", "sa", "tu", "ul", "ve", "wy", "xa", "yo", "zen",
]  # fmt: skip
WORDS = [
    "fast",
    "small",
    "typed",
    "async",
    "batteries",
    "included",
    "minimal",
    "modular",
    "secure",
    "scalable",
    "simple",
    "routing",
    "templates",
    "database",
    "migrations",
    "admin",
    "forms",
    "sessions",
    "caching",
    "websockets",
    "testing",
    "plugins",
    "community",
    "documentation",
    "performance",
    "deployment",
]
CATEGORIES = [
    ("application-data", "Application & Data", None),
    ("languages-frameworks", "Languages & Frameworks", "application-data"),
    ("web-frameworks", "Web Frameworks", "languages-frameworks"),
    ("full-stack-frameworks", "Full-Stack Frameworks", "web-frameworks"),
    ("microframeworks", "Microframeworks", "web-frameworks"),
    ("api-frameworks", "API Frameworks", "web-frameworks"),
]
#: Where frameworks go (the category page of web-frameworks lists the most).
LEAVES = ["web-frameworks", "full-stack-frameworks", "microframeworks", "api-frameworks"]
CRITERIA = [
    "framework-type", "scalability", "community-ecosystem", "learning-curve", "url-routing",
    "template-engine", "orm-databases", "security", "flexibility", "project-size", "license",
    "performance", "async-support", "testing", "documentation", "deployment", "admin",
    "authentication", "caching", "websockets",
]  # fmt: skip
LANGUAGES = ["Python", "JavaScript", "TypeScript", "Ruby", "PHP", "Java", "Go", "Rust", "C#"]
LICENSES = ["MIT", "BSD-3-Clause", "Apache-2.0", "MPL-2.0", "GPL-3.0"]
VERDICTS = ["yes", "partial", "no", ""]
METRICS = ["github_stars", "github_forks", "weekly_downloads"]
AS_OF = datetime.date(2026, 11, 1)


class RealCatalogue(Exception):
    """The database holds frameworks or members the generator did not make."""


def is_synthetic_website(url):
    return url.endswith(f".{DOMAIN}/")


def refuse_a_real_catalogue():
    """Raise RealCatalogue unless every framework and member is synthetic."""
    frameworks = Framework.objects.exclude(website__endswith=f".{DOMAIN}/").count()
    members = get_user_model().objects.exclude(username__startswith=MEMBER_PREFIX).count()
    if frameworks or members:
        raise RealCatalogue(
            f"This database holds {frameworks} framework(s) and {members} member(s) that are "
            "not synthetic: generate_catalogue only writes into an empty database or one it "
            "made. Use a new DATABASE_URL."
        )


def _words(rng, low, high):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(low, high)))


def _sentence(rng, low, high):
    text = _words(rng, low, high)
    return text[0].upper() + text[1:] + "."


def names(n, known=KNOWN):
    """``n`` distinct framework names: the ``known`` ones, then made-up words
    of three or four syllables (distinct: the syllables are digits of a
    number; varied: they start with any of 25 syllables)."""
    found = list(known[:n])
    number = len(SYLLABLES) ** 2
    while len(found) < n:
        digits, rest = [], number
        while rest:
            rest, digit = divmod(rest, len(SYLLABLES))
            digits.append(SYLLABLES[digit])
        found.append("".join(reversed(digits)).capitalize())
        number += 1
    return found


def slugify(name):
    return "-".join(
        "".join(ch for ch in part.lower() if ch.isalnum()) for part in name.split()
    ).strip("-")


def catalogue(n, seed=DEFAULT_SEED):
    """The synthetic catalogue document for ``n`` frameworks."""
    rng = random.Random(seed)
    frameworks = [(name, slugify(name)) for name in names(n)]
    slugs = [slug for _, slug in frameworks]
    entries = []
    for index, (name, slug) in enumerate(frameworks):
        # Popularity falls with the index, as a real catalogue's long tail.
        popularity = 1 / (1 + index) ** 0.7
        stars = int(80_000 * popularity) + rng.randint(0, 200)
        pros_cons = {}
        for key in ("pros", "cons"):
            texts = {}
            while len(texts) < 5:
                text = _sentence(rng, 2, 6)[:100]
                texts.setdefault(text.lower(), text)
            pros_cons[key] = [
                {
                    "text": text,
                    "detail": _sentence(rng, 8, 20),
                    # Members' votes are a third of these (add_members).
                    "votes": int(rng.paretovariate(1.6) * 5 * (1 + 20 * popularity)),
                }
                for text in sorted(texts.values())
            ]
        others = [s for s in rng.sample(slugs, min(len(slugs), 11)) if s != slug]
        entries.append(
            {
                "slug": slug,
                "name": name,
                "tagline": _sentence(rng, 4, 9),
                "description": " ".join(_sentence(rng, 8, 16) for _ in range(3)),
                "website": f"https://{slug}.{DOMAIN}/",
                "repository": f"https://git.{DOMAIN}/{slug}/{slug}",
                "docs_url": f"https://docs.{slug}.{DOMAIN}/",
                "language": rng.choice(LANGUAGES),
                "license": rng.choice(LICENSES),
                "first_release_year": rng.randint(2005, 2025),
                "github_repo": "",
                "pypi_project": "",
                "npm_package": "",
                "category": LEAVES[index % len(LEAVES)],
                "statistics": {
                    "github_stars": stars,
                    "github_forks": stars // 8,
                    "github_open_issues": rng.randint(0, 900),
                    "weekly_downloads": stars * rng.randint(5, 60),
                    "stacks": rng.randint(0, 5000),
                    "followers": rng.randint(0, 8000),
                    "as_of": AS_OF.isoformat(),
                    "github_as_of": AS_OF.isoformat(),
                    "downloads_as_of": AS_OF.isoformat(),
                },
                # 11 points: monthly stars, then forks and downloads.
                "history": sorted(
                    (
                        {
                            "metric": metric,
                            "value": int(stars * (0.5 + month / 20)),
                            "day": datetime.date(2026, month, 1).isoformat(),
                            "source": "Synthetic",
                            "source_url": "",
                        }
                        for metric, months in (
                            ("github_stars", range(1, 8)),
                            ("github_forks", range(1, 3)),
                            ("weekly_downloads", range(1, 3)),
                        )
                        for month in months
                    ),
                    key=lambda h: (h["metric"], h["day"]),
                ),
                "alternatives": sorted(others[:8]),
                "integrations": sorted(others[8:10]),
                "assessments": [
                    {
                        "criterion": criterion,
                        "verdict": rng.choice(VERDICTS),
                        "summary": _sentence(rng, 6, 18),
                        "source_url": f"https://docs.{slug}.{DOMAIN}/{criterion}/",
                        "checked_on": AS_OF.isoformat(),
                    }
                    for criterion in sorted(CRITERIA)
                ],
                **pros_cons,
            }
        )
    comparisons = []
    for start in range(0, n - 1, 50):
        pair = [slugs[start], slugs[start + 1]]
        comparisons.append(
            {
                "slug": "-vs-".join(sorted(pair)),
                "title": f"{frameworks[start][0]} vs {frameworks[start + 1][0]}",
                "intro": _sentence(rng, 10, 20),
                "summary": _sentence(rng, 10, 30),
                "frameworks": pair,
                "differences": [
                    {"criterion": criterion, "text": _sentence(rng, 8, 20), "position": position}
                    for position, criterion in enumerate(CRITERIA[:3], start=1)
                ],
            }
        )
    return {
        "format": FORMAT,
        "version": VERSION,
        "categories": [
            {"slug": slug, "name": name, "description": f"{name} (synthetic).", "parent": parent}
            for slug, name, parent in sorted(CATEGORIES)
        ],
        "criteria": [
            {
                "slug": slug,
                "name": slug.replace("-", " ").capitalize(),
                "description": f"How each framework does on {slug.replace('-', ' ')}.",
                "question": f"What about {slug.replace('-', ' ')}?",
                "position": 10 * position,
            }
            for position, slug in enumerate(CRITERIA, start=1)
        ],
        "frameworks": sorted(entries, key=lambda f: f["slug"]),
        "comparisons": sorted(comparisons, key=lambda c: c["slug"]),
    }


def add_members(document, members, seed=DEFAULT_SEED):
    """Members with votes, follows and stacks for the imported ``document``;
    returns how many of each were added. Rows already there are kept, so a
    second run adds nothing; the counters are then recounted from the rows."""
    rng = random.Random(f"{seed}:members")
    users = get_user_model()
    usernames = [f"{MEMBER_PREFIX}{n:06d}" for n in range(members)]
    password = make_password(None)  # unusable: synthetic members cannot sign in
    added = {}
    with transaction.atomic():
        before = users.objects.count()
        now = timezone.now()
        users.objects.bulk_create(
            [
                # Members for two to three years: before any of their votes.
                users(
                    username=name,
                    password=password,
                    date_joined=now - datetime.timedelta(days=730 + 365 * rng.random()),
                )
                for name in usernames
            ],
            batch_size=2000,
            ignore_conflicts=True,
        )
        added["members"] = users.objects.count() - before
        ids = dict(
            users.objects.filter(username__startswith=MEMBER_PREFIX).values_list("username", "pk")
        )
        user_ids = [ids[name] for name in usernames]
        framework_ids = dict(Framework.objects.values_list("slug", "pk"))
        procon_ids = {
            (framework, kind, text.lower()): pk
            for pk, framework, kind, text in ProCon.objects.values_list(
                "pk", "framework__slug", "kind", "text"
            )
        }

        def when():
            """Any time in the last two years."""
            return now - datetime.timedelta(days=730 * rng.random())

        votes = []
        for entry in document["frameworks"]:
            for key, kind in (("pros", ProCon.Kind.PRO), ("cons", ProCon.Kind.CON)):
                for item in entry[key]:
                    procon = procon_ids[entry["slug"], kind, item["text"].lower()]
                    voters = rng.sample(user_ids, min(item["votes"] // 3, len(user_ids)))
                    votes.extend((user, procon, when()) for user in voters)
        added["votes"] = _add(Vote, "procon_id", votes)
        slugs = [entry["slug"] for entry in document["frameworks"]]
        follows, stacks = [], []
        for user in user_ids:
            # The popular frameworks (first in the list) are followed most.
            for rows in (follows, stacks):
                picked = {
                    slugs[int(len(slugs) * rng.random() ** 3)]
                    for _ in range(rng.randint(0, 2 * FOLLOWS_PER_MEMBER))
                }
                rows.extend((user, framework_ids[s], when()) for s in sorted(picked))
        added["follows"] = _add(Follow, "framework_id", follows)
        added["stack entries"] = _add(StackEntry, "framework_id", stacks, note="")
        # The file's count stays the one shown: the members' votes come out
        # of the baseline, as an import does (catalogue_io's docstring).
        rows = Coalesce(
            Subquery(
                Vote.objects.filter(procon=OuterRef("pk"))
                .order_by()
                .values("procon")
                .annotate(n=Count("pk"))
                .values("n")
            ),
            Value(0),
        )
        ProCon.objects.update(baseline_votes=Greatest(F("votes_count") - rows, Value(0)))
        recount_votes(ProCon.objects.all())
        ids = list(framework_ids.values())
        for start in range(0, len(ids), 5000):
            recount_member_counts(ids[start : start + 5000])
    return added


def _add(model, target, rows, **same):
    """Insert the rows ``(user id, target id, created)`` whose pair is not
    there yet, with the values ``same`` in every row; how many were new.
    Written out (``core.rows``): the creation dates are the generator's,
    which ``auto_now_add`` would overwrite."""
    there = set(model.objects.values_list("user_id", target))
    new = [(*row, *same.values()) for row in rows if row[:2] not in there]
    insert_values(model, ["user_id", target, "created", *same], new)
    return len(new)
