"""Load the demo catalogue from comparison/demo/catalogue.toml.

Idempotent: every entry is found by its natural key (a slug, a username, a
framework + kind + text, ...). By default an entry that exists already is left
exactly as it is, so a curator's edits survive `make run`; entries that are
missing (never loaded, or deleted since) are created. ``--update`` instead
writes the file's values over the demo entries it finds.
"""

import tomllib
from collections import Counter
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Min

from comparison.models import (
    Assessment,
    Comparison,
    Criterion,
    Difference,
    framework_set_key,
)
from comparison.services import set_comparison_frameworks
from core.history import DEMO_IMPORT, importing
from frameworks.models import (
    Category,
    Decision,
    Framework,
    ProCon,
    Vote,
)
from frameworks.services import recount_votes
from members.models import Profile
from stats.models import ReleaseSeries, StatSnapshot

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "demo" / "catalogue.toml"
STATISTICS = ("github_stars", "github_forks", "stacks", "followers")


class Command(BaseCommand):
    help = "Load the demo catalogue (frameworks, criteria, comparisons, decisions). Safe to re-run."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
        parser.add_argument(
            "--update",
            action="store_true",
            help="Overwrite existing demo entries with the file's values (curator edits are lost).",
        )

    def handle(self, *args, file, update, **options):
        try:
            with file.open("rb") as fh:
                data = tomllib.load(fh)
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise CommandError(f"Cannot read {file}: {exc}") from exc
        loader = DemoLoader(data, update=update)
        try:
            with transaction.atomic(), importing(DEMO_IMPORT):
                loader.load()
        except (ValidationError, KeyError, LookupError) as exc:
            raise CommandError(f"{file}: {exc}") from exc
        counts = loader.counts
        if options["verbosity"] == 0:
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Demo catalogue: {counts['created']} created, {counts['updated']} updated, "
                f"{counts['unchanged']} unchanged, {counts['skipped']} skipped "
                "(demo authors' names taken by real members)."
            )
        )


def is_demo_author(user):
    """Flagged as a demo author, or one loaded before the flag existed: no
    usable password, never logged in, no email, not staff. A real sign-up
    always has a password, so it never matches."""
    profile = getattr(user, "profile", None)
    if profile is not None and profile.is_demo:
        return True
    return (
        not user.has_usable_password()
        and user.last_login is None
        and not user.email
        and not (user.is_staff or user.is_superuser)
    )


class DemoLoader:
    def __init__(self, data, *, update=False):
        self.data = data
        self.update = update
        self.counts = Counter(created=0, updated=0, unchanged=0, skipped=0)
        self.categories = {}
        self.frameworks = {}
        self.criteria = {}
        self.members = {}

    # -- generic -------------------------------------------------------------
    def upsert(self, model, lookup, values, *, on_create=None):
        """Find by ``lookup``; create with ``values`` (and ``on_create``) or,
        with --update, write ``values`` over the entry found."""
        obj = model.objects.filter(**lookup).first()
        if obj is None:
            fields = {k.split("__")[0]: v for k, v in lookup.items()}
            obj = model(**fields, **values, **(on_create or {}))
            obj.full_clean()
            obj.save()
            self.counts["created"] += 1
            return obj, True
        changed = [k for k, v in values.items() if getattr(obj, k) != v]
        if self.update and changed:
            for key in changed:
                setattr(obj, key, values[key])
            obj.full_clean()
            obj.save()
            self.counts["updated"] += 1
            return obj, True
        self.counts["unchanged"] += 1
        return obj, False

    # -- sections ------------------------------------------------------------
    def load(self):
        self.load_categories()
        self.load_frameworks()
        self.load_criteria()
        self.load_assessments()
        self.load_comparisons()
        self.load_members()
        self.load_decisions()
        self.date_members()
        self.load_snapshots()
        self.load_release_series()

    def load_categories(self):
        for row in self.data.get("categories", []):
            parent = self.categories[row["parent"]] if row.get("parent") else None
            self.categories[row["slug"]], _ = self.upsert(
                Category,
                {"slug": row["slug"]},
                {
                    "name": row["name"],
                    "parent": parent,
                    "description": row.get("description", ""),
                },
            )

    def load_frameworks(self):
        as_of = self.data.get("stats_as_of")
        written = []
        for row in self.data.get("frameworks", []):
            has_stats = any(row.get(stat) is not None for stat in STATISTICS)
            values = {
                "name": row["name"],
                "category": self.categories[row["category"]],
                "tagline": row.get("tagline", ""),
                "description": row.get("description", ""),
                "website": row.get("website", ""),
                "repository": row.get("repository", ""),
                "docs_url": row.get("docs_url", ""),
                "language": row.get("language", ""),
                "license": row.get("license", ""),
                "first_release_year": row.get("first_release_year"),
                "github_repo": row.get("github_repo", ""),
                "pypi_project": row.get("pypi_project", ""),
                "npm_package": row.get("npm_package", ""),
                "endoflife_product": row.get("endoflife_product", ""),
                # A statistic missing from the file is unknown: NULL, never 0.
                **{stat: row.get(stat) for stat in STATISTICS},
                "stats_as_of": as_of if has_stats else None,
                "is_published": True,
            }
            # A curator may have renamed the slug: the name still finds it.
            renamed = Framework.objects.filter(name=row["name"]).exclude(slug=row["slug"]).first()
            lookup = {"pk": renamed.pk} if renamed else {"slug": row["slug"]}
            framework, wrote = self.upsert(Framework, lookup, values)
            self.frameworks[row["slug"]] = framework
            if wrote:
                written.append(row)
            self.load_procons(framework, row)
        for row in written:
            framework = self.frameworks[row["slug"]]
            framework.alternatives.add(*(self.frameworks[s] for s in row.get("alternatives", [])))
            framework.integrations.add(*(self.frameworks[s] for s in row.get("integrations", [])))

    def load_procons(self, framework, row):
        touched = []
        for kind, key in ((ProCon.Kind.PRO, "pros"), (ProCon.Kind.CON, "cons")):
            for item in row.get(key, []):
                text = item["text"].strip()
                procon, wrote = self.upsert(
                    ProCon,
                    {"framework": framework, "kind": kind, "text__iexact": text},
                    {
                        "detail": item.get("detail", ""),
                        "baseline_votes": item.get("votes", 0),
                        # Baseline plus the members' votes, so the row is valid
                        # before it is saved (votes_count >= baseline).
                        "votes_count": item.get("votes", 0)
                        + Vote.objects.filter(
                            procon__framework=framework,
                            procon__kind=kind,
                            procon__text__iexact=text,
                        ).count(),
                        "status": ProCon.Status.APPROVED,
                    },
                )
                if wrote:
                    touched.append(procon.pk)
        if touched:
            recount_votes(ProCon.objects.filter(pk__in=touched))

    def load_criteria(self):
        for position, row in enumerate(self.data.get("criteria", []), start=1):
            self.criteria[row["slug"]], _ = self.upsert(
                Criterion,
                {"slug": row["slug"]},
                {
                    "name": row["name"],
                    "description": row.get("description", ""),
                    "question": row.get("question", ""),
                    "position": position * 10,
                },
            )

    def load_assessments(self):
        for row in self.data.get("assessments", []):
            self.upsert(
                Assessment,
                {
                    "framework": self.frameworks[row["framework"]],
                    "criterion": self.criteria[row["criterion"]],
                    "until": row.get("until", ""),
                },
                {
                    "since": row.get("since", ""),
                    "verdict": row.get("verdict", ""),
                    "summary": row["summary"],
                    "source_url": row.get("source_url", ""),
                    "checked_on": row.get("checked_on"),
                },
            )

    def load_comparisons(self):
        for row in self.data.get("comparisons", []):
            frameworks = [self.frameworks[s] for s in row["frameworks"]]
            exists = Comparison.objects.filter(slug=row["slug"]).exists()
            key = framework_set_key(frameworks)
            if not exists and Comparison.objects.published().filter(framework_key=key).exists():
                # A curator published their own comparison of this set.
                self.counts["unchanged"] += 1
                continue
            comparison, wrote = self.upsert(
                Comparison,
                {"slug": row["slug"]},
                {
                    "title": row["title"],
                    "intro": row.get("intro", ""),
                    "summary": row.get("summary", ""),
                },
                # Published once its frameworks are set (the database wants 2-4).
                on_create={"is_published": False},
            )
            if wrote:
                set_comparison_frameworks(comparison, frameworks)
                if not comparison.is_published:
                    comparison.is_published = True
                    comparison.full_clean()
                    comparison.save(update_fields=["is_published"])
            for position, diff in enumerate(row.get("differences", []), start=1):
                self.upsert(
                    Difference,
                    {"comparison": comparison, "criterion": self.criteria[diff["criterion"]]},
                    {"text": diff["text"], "position": position},
                )

    def load_members(self):
        """Demo authors: flagged ``Profile.is_demo``, with no usable password.

        A username may belong to a real member (one who signed up after a
        demo author was deleted, or before the first load): that account is
        left exactly as it is and the demo posts of that name are skipped, so
        demo content (and its view counts) never lands on a real account."""
        user_model = get_user_model()
        for row in self.data.get("members", []):
            user = (
                user_model.objects.select_related("profile")
                .filter(username=row["username"])
                .first()
            )
            if user is None:
                user = user_model(
                    username=row["username"],
                    first_name=row.get("first_name", ""),
                    last_name=row.get("last_name", ""),
                )
                user.set_unusable_password()  # demo authors cannot log in
                user.save()
                Profile.objects.create(user=user, headline=row.get("headline", ""), is_demo=True)
                self.counts["created"] += 1
            elif is_demo_author(user):
                profile, _ = Profile.objects.get_or_create(
                    user=user, defaults={"headline": row.get("headline", "")}
                )
                if not profile.is_demo:  # loaded before the flag existed
                    profile.is_demo = True
                    profile.save(update_fields=["is_demo"])
                self.counts["unchanged"] += 1
            else:
                self.counts["skipped"] += 1
                continue
            self.members[row["username"]] = user

    def load_decisions(self):
        for row in self.data.get("decisions", []):
            author = self.members.get(row["author"])
            if author is None:  # the name belongs to a real member now
                self.counts["skipped"] += 1
                continue
            decision, wrote = self.upsert(
                Decision,
                {"author": author, "created": row["created"]},
                {
                    "kind": row["kind"],
                    "title": row["title"],
                    "body": row["body"].strip(),
                    "views_count": row["views"],
                },
            )
            if wrote:
                decision.frameworks.set([self.frameworks[s] for s in row["frameworks"]])

    def date_members(self):
        """A demo author joined when they first posted, not when the demo was
        loaded: their ``date_joined`` becomes their earliest post's date
        (decision or comment) when that is earlier. "Member since" then
        agrees with the posts beside it, and so do the admin and every rule
        that reads how old an account is. Real members are never in
        ``self.members``, and their posts never predate their account."""
        for user in self.members.values():
            posts = [
                user.decisions.aggregate(first=Min("created"))["first"],
                user.comments.aggregate(first=Min("created"))["first"],
            ]
            first = min((day for day in posts if day is not None), default=None)
            if first is not None and first < user.date_joined:
                user.date_joined = first
                user.save(update_fields=["date_joined"])

    def load_snapshots(self):
        """Dated historical figures from the seed documents (never invented)."""
        for row in self.data.get("snapshots", []):
            self.upsert(
                StatSnapshot,
                {
                    "framework": self.frameworks[row["framework"]],
                    "metric": row["metric"],
                    "day": row["day"],
                },
                {
                    "value": row["value"],
                    "source": row["source"],
                    "source_url": row.get("source_url", ""),
                },
            )

    def load_release_series(self):
        """Release series from the projects' own pages; a date the page does
        not give is left out (unknown), and sync_stats fills what it can."""
        for row in self.data.get("release_series", []):
            self.upsert(
                ReleaseSeries,
                {"framework": self.frameworks[row["framework"]], "name": row["name"]},
                {
                    "released": row.get("released"),
                    "lts": row.get("lts", False),
                    "support_ends": row.get("support_ends"),
                    "security_ends": row.get("security_ends"),
                    "language_versions": row.get("language_versions", ""),
                    "source": row["source"],
                    "source_url": row.get("source_url", ""),
                },
            )
