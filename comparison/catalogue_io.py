"""The catalogue file: the whole public catalogue as one versioned JSON document.

``export_catalogue()`` writes it and ``import_catalogue()`` reads it back
(``manage.py export_catalogue FILE`` / ``import_catalogue FILE``). The file is
the portable form of the site's open data and how an operator seeds a new
site.

Format (``"format": "stackcompare-catalogue"``, ``"version": 2``)::

    {
      "format": "stackcompare-catalogue",
      "version": 2,
      "categories": [{"slug", "name", "description", "parent": slug | null}],
      "criteria":   [{"slug", "name", "description", "question", "position"}],
      "frameworks": [{
          "slug", "name", "category": slug, "tagline", "description",
          "website", "repository", "docs_url", "language", "license",
          "first_release_year": int | null,
          "logo": {"name", "sha256", "data": base64} | null,
          "github_repo", "pypi_project", "npm_package", "endoflife_product"
          (the sync's sources),
          "statistics": {"github_stars", "github_forks", "github_open_issues",
                         "weekly_downloads", "stacks", "followers":
                         int | null (unknown), "as_of" (stacks and followers),
                         "github_as_of", "downloads_as_of": "YYYY-MM-DD" | null},
          "history": [{"metric", "value", "day", "source", "source_url"}],
          "release_series": [{"name", "released", "latest", "latest_released",
                              "support_ends", "security_ends", "checked_on":
                              "YYYY-MM-DD" | null, "lts", "ended", "curated":
                              true | false, "language_versions", "source",
                              "source_url"}],
          "alternatives": [slug], "integrations": [slug],
          "assessments": [{"criterion": slug, "verdict", "summary",
                           "source_url", "checked_on": "YYYY-MM-DD" | null}],
          "pros": [{"text", "detail", "votes"}], "cons": [...]
      }],
      "comparisons": [{"slug", "title", "intro", "summary",
                       "frameworks": [slug, in display order],
                       "differences": [{"criterion": slug, "text", "position"}]}]
    }

Rules that make it reproducible and portable:

- Only what the public sees: published frameworks, approved pros and cons,
  visible comparisons; links to unpublished frameworks are left out. No
  member data (accounts, votes, decisions).
- ``logo`` carries the logo file itself: ``data`` is its bytes in base64,
  ``sha256`` their digest and ``name`` the stored name, which is made from
  the content (``logos/<hash>.<kind>``). An import checks the digest, then
  the file with the admin's own check (``frameworks.logos.check_logo``: an
  image by content, no bomb, no script in an SVG, at most 512 KB), and
  stores it under the name its content gives. ``null`` removes a logo; a
  file without the key leaves it alone. A logo is stored as it is read, so
  an import that fails later leaves it in storage, unreferenced (harmless:
  the same file always gets the same name).
- Every list is sorted by its natural key and the document carries no
  export time, so the same catalogue always gives the same bytes: export,
  import into an empty database, export again gives an identical file.
- ``votes`` is the count the site shows (imported baseline plus members'
  votes). Members do not travel with the file, so an importing site makes
  the count its baseline minus the votes its own members cast on that item:
  it shows exactly the file's count, and ``votes == baseline + vote rows``
  still holds (a site with more member votes than the file's count shows
  its own count).
- ``history`` is the statistics history behind the charts, one entry per
  metric and day with its source (``StatSnapshot``); an import adds or
  updates each day's figure and keeps days the file does not list.
- ``release_series`` are the framework's series (``ReleaseSeries``), added
  or updated by name; their advisories are OSV's and come back with the
  next sync_stats run.
- Version 2 added ``endoflife_product`` and ``release_series``. A version 1
  file is still read: it leaves both as the site has them.

Import adds and updates by natural key (slugs; framework + criterion;
framework + kind + text; comparison + criterion) and never deletes: running
it twice changes nothing the second time. A curated comparison's frameworks
and differences are replaced by the file's. It runs in one transaction: an
invalid file, or one of another format version, is refused with a message
naming the faulty entry, and nothing is written. A field the format does not
have (``FIELDS``) and a key given twice in one entry make a file invalid.
Every text of the file is read under the site's text policy (``core.text``):
a NUL is refused, the other control characters but tab, LF and CR are
stripped.
"""

import base64
import binascii
import datetime
import hashlib
import json

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Prefetch

from core.history import FILE_IMPORT, importing
from core.text import ControlCharacterError, clean_text, has_control_character
from frameworks.logos import check_logo, store_logo
from frameworks.models import Category, Framework, ProCon, Vote
from frameworks.services import recount_votes
from stats.models import ReleaseSeries, StatSnapshot

from .models import Assessment, Comparison, Criterion, Difference, framework_set_key
from .services import set_comparison_frameworks

FORMAT = "stackcompare-catalogue"
VERSION = 2
#: The versions an import reads: 1 lacks the release series.
READS = (1, 2)

STATISTICS = (
    "github_stars",
    "github_forks",
    "github_open_issues",
    "weekly_downloads",
    "stacks",
    "followers",
)
#: Dates of the figures above: GitHub's, the download count's, StackShare's.
STATISTICS_DAYS = {"github_as_of": "github_as_of", "downloads_as_of": "downloads_as_of"}
FRAMEWORK_TEXT_FIELDS = (
    "name",
    "tagline",
    "description",
    "website",
    "repository",
    "docs_url",
    "language",
    "license",
    "github_repo",
    "pypi_project",
    "npm_package",
)


SERIES_DAYS = (
    "released",
    "latest_released",
    "support_ends",
    "security_ends",
    "checked_on",
)
SERIES_FLAGS = ("lts", "ended", "curated")
SERIES_TEXTS = ("latest", "language_versions", "source", "source_url")


#: The fields of each kind of entry, by the key that holds it (the format
#: above). Any other field is refused rather than ignored: a file that sets
#: ``is_staff`` or ``id`` expects something this import would not do.
FIELDS = {
    "catalogue": {"format", "version", "categories", "criteria", "frameworks", "comparisons"},
    "categories": {"slug", "name", "description", "parent"},
    "criteria": {"slug", "name", "description", "question", "position"},
    "frameworks": {
        "slug",
        *FRAMEWORK_TEXT_FIELDS,
        "category",
        "first_release_year",
        "logo",
        "endoflife_product",
        "statistics",
        "history",
        "release_series",
        "alternatives",
        "integrations",
        "assessments",
        "pros",
        "cons",
    },
    "logo": {"name", "sha256", "data"},
    "statistics": {*STATISTICS, "as_of", *STATISTICS_DAYS},
    "history": {"metric", "value", "day", "source", "source_url"},
    "release_series": {"name", *SERIES_DAYS, *SERIES_FLAGS, *SERIES_TEXTS},
    "assessments": {"criterion", "verdict", "summary", "source_url", "checked_on"},
    "pros": {"text", "detail", "votes"},
    "cons": {"text", "detail", "votes"},
    "comparisons": {"slug", "title", "intro", "summary", "frameworks", "differences"},
    "differences": {"criterion", "text", "position"},
}


class CatalogueError(Exception):
    """The file cannot be imported; the message says where and why."""


# --- Export -------------------------------------------------------------------


def _day(value):
    return value.isoformat() if value else None


def export_catalogue():
    """The public catalogue as a dict (see the module docstring)."""
    # Sorted in Python, not by the database: collations differ (PostgreSQL's
    # may ignore hyphens), and a file must not change with the database.
    published = Framework.objects.published()
    frameworks = sorted(
        published.select_related("category").prefetch_related(
            Prefetch("alternatives", queryset=published),
            Prefetch("integrations", queryset=published),
            Prefetch("assessments", queryset=Assessment.objects.select_related("criterion")),
            Prefetch("procons", queryset=ProCon.objects.approved()),
            "snapshots",
            "release_series",
        ),
        key=lambda f: f.slug,
    )
    comparisons = sorted(
        Comparison.objects.visible()
        .with_frameworks()
        .prefetch_related(
            Prefetch("differences", queryset=Difference.objects.select_related("criterion"))
        ),
        key=lambda c: c.slug,
    )
    return {
        "format": FORMAT,
        "version": VERSION,
        "categories": [
            {
                "slug": c.slug,
                "name": c.name,
                "description": c.description,
                "parent": c.parent.slug if c.parent else None,
            }
            for c in sorted(Category.objects.select_related("parent"), key=lambda c: c.slug)
        ],
        "criteria": [
            {
                "slug": c.slug,
                "name": c.name,
                "description": c.description,
                "question": c.question,
                "position": c.position,
            }
            for c in sorted(Criterion.objects.all(), key=lambda c: (c.position, c.slug))
        ],
        "frameworks": [_export_framework(f) for f in frameworks],
        "comparisons": [
            {
                "slug": c.slug,
                "title": c.title,
                "intro": c.intro,
                "summary": c.summary,
                "frameworks": [f.slug for f in c.ordered_frameworks()],
                "differences": [
                    {"criterion": d.criterion.slug, "text": d.text, "position": d.position}
                    for d in sorted(
                        c.differences.all(), key=lambda d: (d.position, d.criterion.slug)
                    )
                ],
            }
            for c in comparisons
        ],
    }


def _export_framework(f):
    procons = {ProCon.Kind.PRO: [], ProCon.Kind.CON: []}
    for p in sorted(f.procons.all(), key=lambda p: p.text):
        procons[p.kind].append({"text": p.text, "detail": p.detail, "votes": p.votes_count})
    return {
        "slug": f.slug,
        **{name: getattr(f, name) for name in FRAMEWORK_TEXT_FIELDS},
        "endoflife_product": f.endoflife_product,
        "category": f.category.slug,
        "first_release_year": f.first_release_year,
        "logo": export_logo(f.logo),
        "statistics": {
            **{name: getattr(f, name) for name in STATISTICS},
            "as_of": _day(f.stats_as_of),
            **{key: _day(getattr(f, name)) for key, name in STATISTICS_DAYS.items()},
        },
        "history": [
            {
                "metric": s.metric,
                "value": s.value,
                "day": _day(s.day),
                "source": s.source,
                "source_url": s.source_url,
            }
            for s in sorted(f.snapshots.all(), key=lambda s: (s.metric, s.day))
        ],
        "release_series": [
            {
                "name": s.name,
                **{name: _day(getattr(s, name)) for name in SERIES_DAYS},
                **{name: getattr(s, name) for name in SERIES_FLAGS},
                **{name: getattr(s, name) for name in SERIES_TEXTS},
            }
            for s in sorted(f.release_series.all(), key=lambda s: s.name)
        ],
        "alternatives": sorted(a.slug for a in f.alternatives.all()),
        "integrations": sorted(i.slug for i in f.integrations.all()),
        "assessments": [
            {
                "criterion": a.criterion.slug,
                "verdict": a.verdict,
                "summary": a.summary,
                "source_url": a.source_url,
                "checked_on": _day(a.checked_on),
            }
            for a in sorted(f.assessments.all(), key=lambda a: a.criterion.slug)
        ],
        "pros": procons[ProCon.Kind.PRO],
        "cons": procons[ProCon.Kind.CON],
    }


def export_logo(logo):
    """A framework's logo as the file carries it (None without one)."""
    if not logo:
        return None
    with logo.storage.open(logo.name, "rb") as stored:
        data = stored.read()
    return {
        "name": logo.name,
        "sha256": hashlib.sha256(data).hexdigest(),
        "data": base64.b64encode(data).decode("ascii"),
    }


def import_logo(row):
    """The ``logo`` value an entry sets: {} without the key, "" for null, or
    the name of the checked and stored file."""
    if "logo" not in row.data:
        return {}
    if row.data["logo"] is None:
        return {"logo": ""}
    entry = row.object("logo")
    entry.text("name", required=True)  # made from the content again when stored
    encoded = entry.text("data", required=True)
    try:
        data = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        entry.fail("must be the file in base64", "data")
    if hashlib.sha256(data).hexdigest() != entry.text("sha256", required=True):
        entry.fail("is not the SHA-256 of data: the file is damaged", "sha256")
    try:
        logo = check_logo(data)
    except ValidationError as error:
        entry.fail(" ".join(error.messages), "data")
    return {"logo": store_logo(logo, Framework._meta.get_field("logo").storage)}


def dumps(document):
    """The file's bytes: stable key order, UTF-8, one trailing newline."""
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode()


# --- Reading and checking a file ------------------------------------------


class _Object(dict):
    """A JSON object as parsed, with the keys it gave more than once (a
    plain ``json.loads`` keeps the last value and says nothing)."""

    duplicates = ()


def _object(pairs):
    found = _Object(pairs)
    if len(found) < len(pairs):
        seen = set()
        found.duplicates = [k for k, _ in pairs if k in seen or seen.add(k)]
    return found


def _refuse_duplicates(data, where):
    if getattr(data, "duplicates", ()):
        raise CatalogueError(f'{where}: "{data.duplicates[0]}" is given twice')


class _Reader:
    """Typed access to the parsed document; every error names its place.

    An entry is checked when it is read: a key given twice, or a field its
    kind (``FIELDS[kind]``) does not have, is refused."""

    def __init__(self, data, where, kind="catalogue"):
        self.data = data
        self.where = where
        _refuse_duplicates(data, where)
        unknown = sorted(set(data) - FIELDS[kind])
        if unknown:
            self.fail("is not a field of a catalogue file", unknown[0])

    def fail(self, message, key=None):
        place = f"{self.where}.{key}" if key is not None else self.where
        raise CatalogueError(f"{place}: {message}")

    def _get(self, key, types, required=True, default=None):
        if key not in self.data:
            if required:
                self.fail("is missing", key)
            return default
        value = self.data[key]
        if not isinstance(value, types) or (isinstance(value, bool) and bool not in _tuple(types)):
            self.fail(f"must be {_type_names(types)}, not {type(value).__name__}", key)
        return value

    def text(self, key, required=False):
        return self._get(key, str, required, "")

    def integer(self, key, required=False, null=True):
        types = (int, type(None)) if null else int
        value = self._get(key, types, required, None if null else 0)
        if value is not None and value < 0:
            self.fail("must not be negative", key)
        return value

    def day(self, key):
        value = self._get(key, (str, type(None)), False)
        if value is None:
            return None
        try:
            return datetime.date.fromisoformat(value)
        except ValueError:
            self.fail(f'must be a date as YYYY-MM-DD, not "{value[:40]}"', key)

    def flag(self, key):
        return self._get(key, bool, False, False)

    def slug_or_none(self, key):
        return self._get(key, (str, type(None)), False)

    def items(self, key, required=False):
        value = self._get(key, list, required, [])
        for index, item in enumerate(value):
            if not isinstance(item, dict):
                self.fail(f"[{index}] must be an object", key)
            yield _Reader(item, f"{self.where}.{key}[{index}]", key)

    def slugs(self, key):
        value = self._get(key, list, False, [])
        if not all(isinstance(s, str) for s in value):
            self.fail("must be a list of slugs", key)
        return value

    def object(self, key):
        return _Reader(self._get(key, dict, False, {}), f"{self.where}.{key}", key)


def _tuple(types):
    return types if isinstance(types, tuple) else (types,)


def _type_names(types):
    names = {
        str: "text",
        int: "a whole number",
        bool: "true or false",
        list: "a list",
        dict: "an object",
    }
    named = [names.get(t, "null") for t in _tuple(types)]
    return " or ".join(named)


def parse(raw):
    """The document from the file's bytes, or CatalogueError."""
    try:
        data = json.loads(raw, object_pairs_hook=_object)
    except (UnicodeDecodeError, ValueError) as error:
        raise CatalogueError(f"This is not a JSON file: {error}") from None
    except RecursionError:
        # Python's parser recurses per level: 200,000 "[" would otherwise be
        # a traceback. No catalogue nests more than five levels.
        raise CatalogueError(
            "This is not a catalogue file: it nests deeper than a JSON parser can follow."
        ) from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CatalogueError(f'This is not a catalogue file (its "format" is not "{FORMAT}").')
    _refuse_duplicates(data, "catalogue")  # which "version" would be anyone's guess
    version = data.get("version")
    if isinstance(version, bool) or version not in READS:
        raise CatalogueError(
            f"This catalogue file has format version {json.dumps(version)}; "
            f"this site reads versions {' and '.join(map(str, READS))}."
        )
    _apply_text_policy(data)
    return data


def _apply_text_policy(data):
    """Every text value of the document, in place, under ``clean_text``; a
    refused one is a CatalogueError naming its place. A loop, not recursion:
    the document may be nested as deep as the JSON parser allows."""
    stack = [(data, "catalogue")]
    while stack:
        node, where = stack.pop()
        entries = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in list(entries):
            if isinstance(node, dict) and has_control_character(key):
                raise CatalogueError(f"{where}: {key!r} is not a field of a catalogue file")
            place = f"{where}.{key}" if isinstance(node, dict) else f"{where}[{key}]"
            if isinstance(value, str):
                try:
                    node[key] = clean_text(value)
                except ControlCharacterError as error:
                    raise CatalogueError(f"{place}: {error}") from None
            elif isinstance(value, dict | list):
                stack.append((value, place))


# --- Import -------------------------------------------------------------------


#: A row created and then completed by the same import was created; one
#: left alone and then changed was updated.
_RANK = {"unchanged": 0, "updated": 1, "created": 2}


class _Importer:
    def __init__(self, data):
        self.doc = _Reader(data, "catalogue")
        #: What this import did to each row it wrote, ``{(model, pk): kind}``:
        #: a row written twice (a category, then its parent) counts once.
        self.rows = {}
        self.categories = {}
        self.criteria = {}
        self.frameworks = {}

    def upsert(self, model, lookup, values, where):
        """Create or update one row through ``save()`` (so cached pages that
        show it are invalidated), after the model's own validation."""
        obj = model.objects.filter(**lookup).first()
        created = obj is None
        if created:
            obj = model(**{k: v for k, v in lookup.items() if "__" not in k})
        changed = created
        for name, value in values.items():
            if created or getattr(obj, name) != value:
                setattr(obj, name, value)
                changed = True
        if changed:
            try:
                obj.full_clean()
            except ValidationError as error:
                raise CatalogueError(f"{where}: {_messages(error)}") from None
            obj.save()
        kind = "created" if created else "updated" if changed else "unchanged"
        self.rows[model, obj.pk] = max(kind, self.rows.get((model, obj.pk), kind), key=_RANK.get)
        return obj

    @property
    def stats(self):
        counted = {"created": 0, "updated": 0, "unchanged": 0}
        for kind in self.rows.values():
            counted[kind] += 1
        return counted

    def run(self):
        self.load_categories()
        self.load_criteria()
        rows = list(self.doc.items("frameworks", required=True))
        for row in rows:
            self.load_framework(row)
        for row in rows:
            self.load_links(row)
            self.load_assessments(row)
            self.load_procons(row)
        for row in self.doc.items("comparisons"):
            self.load_comparison(row)

    def load_categories(self):
        rows = list(self.doc.items("categories"))
        for row in rows:
            slug = row.text("slug", required=True)
            self.categories[slug] = self.upsert(
                Category,
                {"slug": slug},
                {"name": row.text("name", required=True), "description": row.text("description")},
                row.where,
            )
        for row in rows:
            category = self.categories[row.data["slug"]]
            parent_slug = row.slug_or_none("parent")
            parent = self.category(parent_slug, row, "parent") if parent_slug else None
            if category.parent_id != (parent.pk if parent else None):
                category.parent = parent
                if category.makes_cycle():
                    row.fail("this parent would make a cycle in the category tree", "parent")
                self.upsert(Category, {"pk": category.pk}, {"parent": parent}, row.where)

    def category(self, slug, row, key):
        if slug not in self.categories:
            found = Category.objects.filter(slug=slug).first()
            if found is None:
                row.fail(f'names no category "{slug}"', key)
            self.categories[slug] = found
        return self.categories[slug]

    def load_criteria(self):
        for row in self.doc.items("criteria"):
            slug = row.text("slug", required=True)
            self.criteria[slug] = self.upsert(
                Criterion,
                {"slug": slug},
                {
                    "name": row.text("name", required=True),
                    "description": row.text("description"),
                    "question": row.text("question"),
                    "position": row.integer("position", null=False),
                },
                row.where,
            )

    def criterion(self, slug, row, key):
        if slug not in self.criteria:
            found = Criterion.objects.filter(slug=slug).first()
            if found is None:
                row.fail(f'names no criterion "{slug}"', key)
            self.criteria[slug] = found
        return self.criteria[slug]

    def framework(self, slug, row, key):
        if slug not in self.frameworks:
            row.fail(f'names no framework of this file "{slug}"', key)
        return self.frameworks[slug]

    def load_framework(self, row):
        slug = row.text("slug", required=True)
        if slug in self.frameworks:
            row.fail(f'"{slug}" is listed twice', "slug")
        stats = row.object("statistics")
        values = {name: row.text(name) for name in FRAMEWORK_TEXT_FIELDS}
        if not values["name"]:
            row.fail("is missing", "name")
        if "endoflife_product" in row.data:  # version 1 has none: leave the site's
            values["endoflife_product"] = row.text("endoflife_product")
        values.update(
            category=self.category(row.text("category", required=True), row, "category"),
            first_release_year=row.integer("first_release_year"),
            **import_logo(row),
            stats_as_of=stats.day("as_of"),
            **{name: stats.day(key) for key, name in STATISTICS_DAYS.items()},
            is_published=True,
            **{name: stats.integer(name) for name in STATISTICS},
        )
        framework = self.upsert(Framework, {"slug": slug}, values, row.where)
        self.frameworks[slug] = framework
        for entry in row.items("history"):
            metric = entry.text("metric", required=True)
            if metric not in StatSnapshot.Metric.values:
                entry.fail(f"must be one of {', '.join(StatSnapshot.Metric.values)}", "metric")
            value = entry.integer("value", required=True, null=False)
            day = entry.day("day")
            if day is None:
                entry.fail("is missing", "day")
            self.upsert(
                StatSnapshot,
                {"framework": framework, "metric": metric, "day": day},
                {
                    "value": value,
                    "source": entry.text("source", required=True),
                    "source_url": entry.text("source_url"),
                },
                entry.where,
            )
        for entry in row.items("release_series"):
            self.upsert(
                ReleaseSeries,
                {"framework": framework, "name": entry.text("name", required=True)},
                {
                    **{name: entry.day(name) for name in SERIES_DAYS},
                    **{name: entry.flag(name) for name in SERIES_FLAGS},
                    **{name: entry.text(name) for name in SERIES_TEXTS},
                },
                entry.where,
            )

    def load_links(self, row):
        framework = self.frameworks[row.data["slug"]]
        in_file = {f.pk for f in self.frameworks.values()}
        for key in ("alternatives", "integrations"):
            wanted = {self.framework(s, row, key).pk for s in row.slugs(key)}
            manager = getattr(framework, key)
            current = set(manager.values_list("pk", flat=True))
            # Links to frameworks the file does not hold (unpublished here) stay.
            target = wanted | {pk for pk in current if pk not in in_file}
            if key == "alternatives":
                # Symmetric: a link the file lists from either side stays.
                target |= {
                    pk
                    for pk in current
                    if pk in in_file and framework.slug in self._alternatives_of(pk)
                }
            if target != current:
                manager.set(target)

    def _alternatives_of(self, pk):
        if not hasattr(self, "_alternatives"):
            self._alternatives = {
                self.frameworks[r.data["slug"]].pk: set(r.slugs("alternatives"))
                for r in self.doc.items("frameworks")
            }
        return self._alternatives.get(pk, set())

    def load_assessments(self, row):
        framework = self.frameworks[row.data["slug"]]
        for item in row.items("assessments"):
            criterion = self.criterion(item.text("criterion", required=True), item, "criterion")
            verdict = item.text("verdict")
            if verdict not in Assessment.Verdict.values and verdict != "":
                item.fail(f'must be one of {", ".join(Assessment.Verdict.values)} or ""', "verdict")
            self.upsert(
                Assessment,
                {"framework": framework, "criterion": criterion},
                {
                    "verdict": verdict,
                    "summary": item.text("summary", required=True),
                    "source_url": item.text("source_url"),
                    "checked_on": item.day("checked_on"),
                },
                item.where,
            )

    def load_procons(self, row):
        framework = self.frameworks[row.data["slug"]]
        member_votes = dict(
            Vote.objects.filter(procon__framework=framework)
            .values_list("procon_id")
            .annotate(n=Count("pk"))
            .values_list("procon_id", "n")
        )
        touched = []
        for key, kind in (("pros", ProCon.Kind.PRO), ("cons", ProCon.Kind.CON)):
            for item in row.items(key):
                text = item.text("text", required=True)
                votes = item.integer("votes", null=False)
                existing = ProCon.objects.filter(
                    framework=framework, kind=kind, text__iexact=text
                ).first()
                rows = member_votes.get(existing.pk, 0) if existing else 0
                baseline = max(0, votes - rows)
                procon = self.upsert(
                    ProCon,
                    {"framework": framework, "kind": kind, "text__iexact": text},
                    {
                        "text": text,
                        "detail": item.text("detail"),
                        "baseline_votes": baseline,
                        "votes_count": baseline + rows,
                        "status": ProCon.Status.APPROVED,
                    },
                    item.where,
                )
                touched.append(procon.pk)
        if touched:
            # Exact even if a member voted while this ran: baseline + rows.
            recount_votes(ProCon.objects.filter(pk__in=touched))

    def load_comparison(self, row):
        slug = row.text("slug", required=True)
        frameworks = [self.framework(s, row, "frameworks") for s in row.slugs("frameworks")]
        values = {
            "title": row.text("title", required=True),
            "intro": row.text("intro"),
            "summary": row.text("summary"),
        }
        if not Comparison.objects.filter(slug=slug).exists():
            # Published once it holds its frameworks (a constraint).
            values["is_published"] = False
        comparison = self.upsert(Comparison, {"slug": slug}, values, row.where)
        current = [e.framework_id for e in comparison.entries.order_by("position")]
        if current != [f.pk for f in frameworks] or not comparison.is_published:
            taken = (
                Comparison.objects.published()
                .filter(framework_key=framework_set_key(frameworks))
                .exclude(pk=comparison.pk)
                .first()
            )
            if taken is not None:
                row.fail(
                    f'the published comparison "{taken.slug}" already holds them', "frameworks"
                )
            try:
                set_comparison_frameworks(comparison, frameworks)
            except ValidationError as error:
                row.fail(_messages(error), "frameworks")
            if not comparison.is_published:
                comparison.is_published = True
                comparison.save()
        wanted = {}
        for item in row.items("differences"):
            criterion = self.criterion(item.text("criterion", required=True), item, "criterion")
            if criterion.pk in wanted:
                item.fail("names a criterion twice in this comparison", "criterion")
            wanted[criterion.pk] = self.upsert(
                Difference,
                {"comparison": comparison, "criterion": criterion},
                {
                    "text": item.text("text", required=True),
                    "position": item.integer("position", null=False),
                },
                item.where,
            )
        for stale in comparison.differences.exclude(criterion__in=list(wanted)):
            stale.delete()


def _messages(error):
    if hasattr(error, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
    return " ".join(error.messages)


def import_catalogue(raw):
    """Load a catalogue file's bytes; returns a summary of what was written.

    All or nothing: any error rolls the whole import back."""
    data = parse(raw)
    importer = _Importer(data)
    try:
        with transaction.atomic(), importing(FILE_IMPORT):
            importer.run()
    except IntegrityError as error:
        raise CatalogueError(f"The database refused the file: {error}") from None
    return importer.stats
