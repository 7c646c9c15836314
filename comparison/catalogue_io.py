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
import contextlib
import datetime
import gc
import hashlib
import json
import operator
import re

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, RegexValidator, URLValidator
from django.db import IntegrityError, connection, models, transaction
from django.db.models import Count, Prefetch, signals
from django.db.models.base import ModelState
from django.db.models.expressions import DatabaseDefault
from django.utils import timezone

from core.cache import bump_on_commit, bumping_once
from core.history import FILE_IMPORT, importing
from core.rows import insert, insert_values
from core.text import ControlCharacterError, clean_text, has_control_character
from frameworks import cache as catalogue_tags
from frameworks.logos import check_logo, store_logo
from frameworks.models import Category, Framework, ProCon, Vote
from frameworks.services import recount_framework_votes, recount_votes
from stats.models import ReleaseSeries, StatSnapshot

from . import cache as comparison_tags
from .models import (
    Assessment,
    Comparison,
    ComparisonEntry,
    Criterion,
    Difference,
    framework_set_key,
    range_error,
    version_key,
)
from .services import check_comparison_frameworks

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
    "assessments": {
        "criterion",
        "since",
        "until",
        "verdict",
        "summary",
        "source_url",
        "checked_on",
    },
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
                # A version range only where there is one: files of
                # unscoped assessments read as before.
                **{name: getattr(a, name) for name in ("since", "until") if getattr(a, name)},
                "verdict": a.verdict,
                "summary": a.summary,
                "source_url": a.source_url,
                "checked_on": _day(a.checked_on),
            }
            for a in sorted(
                f.assessments.all(), key=lambda a: (a.criterion.slug, version_key(a.until))
            )
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
    if _may_hold_controls(raw):
        _apply_text_policy(data)
    return data


#: How a JSON text holds a C0 control character or a lone surrogate in a
#: UTF-8 file: escaped (``\u0000`` to ``\u001f``, ``\b``, ``\f``, ``\ud800``
#: to ``\udfff``). The parser refuses controls unescaped, and UTF-8 cannot
#: carry a surrogate.
_ESCAPED_CONTROL = re.compile(rb"\\(?:[bf]|u00[01]|u[dD][89a-fA-F])")


def _may_hold_controls(raw):
    """False when no text of the file can hold what the text policy changes
    or refuses: a UTF-8 file without such escapes (most: tab, LF and CR
    escapes are none). It then skips the policy's walk over every text, an
    eighth of an import's CPU. (An escaped backslash before such letters
    walks it for nothing.)"""
    if isinstance(raw, str) or json.detect_encoding(raw) not in ("utf-8", "utf-8-sig"):
        return True
    return _ESCAPED_CONTROL.search(raw) is not None


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

METRICS = tuple(StatSnapshot.Metric.values)
VERDICTS = (*Assessment.Verdict.values, "")

#: Rows per UPDATE statement of the bulk writes.
BATCH = 500
#: Frameworks between two progress reports.
PROGRESS_EVERY = 1000


def _chunks(items, size=BATCH):
    items = list(items)
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Rows:
    """The rows of one big model an import writes (frameworks, their history
    points, assessments, pros and cons), by natural key.

    ``put()`` is ``_Importer.upsert()`` without the queries: the rows are
    read once (``existing``), and each entry is checked by its model
    (``full_clean()``: fields and ``clean()``) as it is read. ``flush()``
    then writes the new rows and the changed ones a few hundred per
    statement, and one history row for each (``bulk_history_create``),
    the import's reason on it, as ``save()`` would have. Uniqueness and the
    database's constraints are checked by the database: a batch it refuses
    is written again row by row through the full ``full_clean()``, so the
    error still names the entry."""

    def __init__(self, importer, model, existing, *, key, unchecked=()):
        self.importer = importer
        self.model = model
        self.found = {key(obj): obj for obj in existing}
        self.new = {}  # key -> where, in file order
        self.changed = {}  # key -> (where, changed field names)
        #: Fields full_clean() leaves out: relations set from rows already
        #: read (checking them is a query per row).
        self.unchecked = unchecked
        self.unchecked_too = None
        #: A model without a clean() or post_init receiver of its own needs
        #: no more than its fields checked, and its new instances no
        #: ``__init__``: see ``build()`` and ``check()``.
        self.plain = model.clean is models.Model.clean and not (
            signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model)
        )
        self.fields = {f.name: f for f in model._meta.concrete_fields}
        #: names given -> the other fields' defaults (build())
        self.defaults = {}
        #: [(field, memo or None, longest URL checked per site or 0)]: what
        #: clean_fields() checks.
        self.checked = None

    def put(self, key, lookup, values, where):
        obj = self.found.get(key)
        if obj is None:
            obj = self.build(lookup, values) if self.plain else self.model(**lookup, **values)
            self.found[key] = obj
            self.new[key] = where
            kind = "created"
        else:
            changed = {name for name, value in values.items() if getattr(obj, name) != value}
            for name in changed:
                setattr(obj, name, values[name])
            if changed and key not in self.new:
                _, before = self.changed.get(key, (where, set()))
                self.changed[key] = (where, before | changed)
            kind = "updated" if changed else "unchanged"
        if kind != "unchanged":
            if self.unchecked_too is None:  # fields the file never sets keep their defaults
                given = {*lookup, *values}
                self.unchecked_too = [
                    *self.unchecked,
                    *(f.name for f in self.model._meta.fields if f.name not in given),
                ]
                self.checked = [
                    (f, {} if _memoised(f) else None, _longest_url(f))
                    for f in self.model._meta.fields
                    if f.name not in self.unchecked_too and not f.generated
                ]
            self.check(obj, where)
        self.importer.count(self.model, key, kind)
        return obj

    def build(self, lookup, values):
        """``model(**lookup, **values)`` without ``Model.__init__`` (its
        descriptors and signals were an eighth of an import): the values by
        attname, a relation's object cached as its descriptor would, every
        other field its default. For a ``plain`` model only."""
        given = (*lookup, *values)
        missing = self.defaults.get(given)
        if missing is None:
            fields = [f for f in self.fields.values() if f.name not in given]
            # A default that is no callable is the same object every time.
            missing = self.defaults[given] = (
                {f.attname: f.get_default() for f in fields if not _computed(f)},
                [f for f in fields if _computed(f)],
            )
        constant, computed = missing
        obj = self.model.__new__(self.model)
        obj._state = ModelState()
        attrs = obj.__dict__
        attrs.update(constant)
        for field in computed:
            attrs[field.attname] = field.get_default()
        for name, value in (*lookup.items(), *values.items()):
            field = self.fields[name]
            if field.is_relation:
                attrs[field.attname] = None if value is None else value.pk
                field.set_cached_value(obj, value)
            else:
                attrs[field.attname] = value
        return obj

    def check(self, obj, where, *, everything=False):
        try:
            if everything:
                obj.full_clean()
            elif self.plain:
                self.clean_fields(obj)
            else:
                obj.full_clean(
                    exclude=self.unchecked_too, validate_unique=False, validate_constraints=False
                )
        except ValidationError as error:
            raise CatalogueError(f"{where}: {_messages(error)}") from None

    def clean_fields(self, obj):
        """``obj.full_clean(exclude=unchecked_too, validate_unique=False,
        validate_constraints=False)`` for a ``plain`` model (whose
        ``clean()`` does nothing), a text checked by a pattern (choices,
        slugs, URLs) checked once per distinct value, a URL once per site
        (``_url_site()``): a catalogue repeats the same few. The first
        entry with a bad value is the one named; the import stops there."""
        errors = {}
        for field, memo, longest in self.checked:
            raw = getattr(obj, field.attname)
            if field.blank and raw in field.empty_values:
                continue
            if isinstance(raw, DatabaseDefault):
                continue
            if memo is None or type(raw) is not str:
                try:
                    setattr(obj, field.attname, field.clean(raw, obj))
                except ValidationError as error:
                    errors[field.name] = error.error_list
                continue
            key = _url_site(raw, longest) if longest else raw
            if key not in memo:  # a text field's clean() leaves a text as it is
                try:
                    field.clean(key, obj)
                    memo[key] = None
                except ValidationError as error:
                    memo[key] = error.error_list
            if memo[key] is not None:
                errors[field.name] = memo[key]
        if errors:
            raise ValidationError(errors)

    def flush(self):
        """Write what ``put()`` collected; the rows written."""
        created = [(self.found[key], where) for key, where in self.new.items()]
        changed = [(self.found[key], where) for key, (where, _) in self.changed.items()]
        fields = sorted({name for _, names in self.changed.values() for name in names})
        if hasattr(self.model, "updated") and changed:  # auto_now, which bulk_update skips
            now = timezone.now()
            for obj, _ in changed:
                obj.updated = now
            fields.append("updated")
        for batch in _chunks(created, 5000):
            self._write(batch, lambda objs: insert(self.model, objs))
        for batch in _chunks(changed):
            self._write(batch, lambda objs: self.model.objects.bulk_update(objs, fields))
        history = getattr(self.model, "history", None)
        if history is not None:
            recorded = {field.name for field in history.model.tracked_fields}
            _write_history(history.model, [obj for obj, _ in created], "+")
            _write_history(
                history.model,
                [self.found[k] for k, (_, names) in self.changed.items() if names & recorded],
                "~",
            )
        self.new, self.changed = {}, {}
        return [obj for obj, _ in (*created, *changed)]

    def _write(self, batch, write):
        try:
            with transaction.atomic():
                write([obj for obj, _ in batch])
            return
        except IntegrityError:
            pass
        # Which entry? One by one, each checked in full first.
        for obj, where in batch:
            self.check(obj, where, everything=True)
            try:
                with transaction.atomic():
                    write([obj])
            except IntegrityError as error:
                raise CatalogueError(f"{where}: the database refused it: {error}") from None


def _computed(field):
    """Whether ``field.get_default()`` may give a new value each call."""
    return field.has_default() and callable(field.default)


def _memoised(field):
    """Whether ``_Rows.clean_fields()`` checks each distinct text of
    ``field`` once: a text field with choices or a pattern (a slug, a URL),
    whose outcome depends on the text alone."""
    return isinstance(field, models.CharField) and (
        bool(field.choices) or any(isinstance(v, RegexValidator) for v in field.validators)
    )


def _longest_url(field):
    """The length up to which a URL of ``field`` is checked once per site
    (``_url_site()``); 0 for a field that is not a plain ``URLField``."""
    checks = {type(v) for v in field.validators}
    if not isinstance(field, models.URLField) or checks != {URLValidator, MaxLengthValidator}:
        return 0
    return min(field.max_length, URLValidator.max_length)


_SPACE = re.compile(r"\s")


def _url_site(url, longest):
    """What Django's ``URLValidator`` reads of ``url``: its scheme, user,
    host and port, as "scheme://host/", when what follows the first "/"
    after "://" holds no space (its pattern takes any such path, and its
    other checks read the scheme and the host) and the whole is at most
    ``longest`` long; otherwise the whole URL."""
    start = url.find("://")
    slash = url.find("/", start + 3) if start >= 0 else -1
    if slash < 0 or len(url) > longest or _SPACE.search(url, slash):
        return url
    return url[: slash + 1]


def _write_history(model, objs, kind):
    """One history row per object, as ``save()`` writes inside ``importing()``
    (``core.history``): by no one, for the import's reason."""
    now = timezone.now()
    names = [field.attname for field in model.tracked_fields]
    get = operator.attrgetter(*names)
    insert_values(
        model,
        ["history_date", "history_type", "history_change_reason", *names],
        [(now, kind, FILE_IMPORT, *get(obj)) for obj in objs],
    )


def _frameworks(objs):
    """The ids of the frameworks of rows written (frameworks or their rows)."""
    return {obj.pk if isinstance(obj, Framework) else obj.framework_id for obj in objs}


class _Importer:
    def __init__(self, data, progress=None):
        self.doc = _Reader(data, "catalogue")
        #: What this import did to each row it wrote, ``{(model, pk or
        #: natural key): kind}``: a row written twice (a category, then its
        #: parent) counts once.
        self.rows = {}
        self.categories = {}
        self.criteria = {}
        self.frameworks = {}
        #: Frameworks whose rows were written in bulk (no signals): their
        #: cached pages are invalidated at the end.
        self.touched = set()
        self.report = progress or (lambda stage, done, total: None)

    def progress(self, stage, done, total):
        """Every ``PROGRESS_EVERY`` frameworks of a long import, and at its end."""
        if total >= PROGRESS_EVERY and (done % PROGRESS_EVERY == 0 or done == total):
            self.report(stage, done, total)

    def count(self, model, key, kind):
        self.rows[model, key] = max(kind, self.rows.get((model, key), kind), key=_RANK.get)

    def upsert(self, model, lookup, values, where):
        """Create or update one row through ``save()`` (so cached pages that
        show it are invalidated), after the model's own validation. For the
        few rows of categories, criteria and comparisons; the many rows of
        frameworks go through ``_Rows``."""
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
        self.count(model, obj.pk, kind)
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
        total = len(rows)
        existed = set(Framework.objects.values_list("pk", flat=True))
        self.framework_rows = _Rows(
            self, Framework, Framework.objects.all(), key=lambda f: f.slug, unchecked=["category"]
        )
        for done, row in enumerate(rows, start=1):
            self.load_framework(row)
            self.progress("read", done, total)
        self.touched |= _frameworks(self.framework_rows.flush())
        self.snapshots = _Rows(
            self,
            StatSnapshot,
            StatSnapshot.objects.all(),
            key=lambda s: (s.framework_id, s.metric, s.day),
            unchecked=["framework"],
        )
        self.series = _Rows(
            self,
            ReleaseSeries,
            ReleaseSeries.objects.all(),
            key=lambda s: (s.framework_id, s.name),
            unchecked=["framework"],
        )
        self.assessments = _Rows(
            self,
            Assessment,
            Assessment.objects.all(),
            key=lambda a: (a.framework_id, a.criterion_id, a.until),
            unchecked=["framework", "criterion"],
        )
        #: Each framework's assessments already saved: with the file's,
        #: no two may hold for a same version.
        self.saved_assessments = {}
        for a in self.assessments.found.values():
            self.saved_assessments.setdefault(a.framework_id, []).append(a)
        self.procons = _Rows(
            self,
            ProCon,
            ProCon.objects.all(),
            key=lambda p: (p.framework_id, p.kind, p.text.lower()),
            unchecked=["framework", "submitted_by"],
        )
        self.member_votes = dict(
            Vote.objects.order_by()
            .values_list("procon_id")
            .annotate(n=Count("pk"))
            .values_list("procon_id", "n")
        )
        self.load_links(rows)
        for done, row in enumerate(rows, start=1):
            self.load_history(row)
            self.load_assessments(row)
            self.load_procons(row)
            self.progress("checked", done, total)
        for rows_of in (self.snapshots, self.series, self.assessments):
            self.touched |= _frameworks(rows_of.flush())
        updated = [self.procons.found[key] for key in self.procons.changed]
        voted_on = _frameworks(self.procons.flush())
        self.touched |= voted_on
        for batch in _chunks(updated, 5000):
            # Exact even if a member voted while this ran: baseline + rows.
            # (Nobody can have voted on a pro or con this import created.)
            recount_votes(ProCon.objects.filter(pk__in=[p.pk for p in batch]))
        # The frameworks' sums, with the pros and cons this import created.
        recount_framework_votes(voted_on)
        self.progress("written", total, total)
        self.load_comparisons()
        # Rows written in bulk sent no signals: their pages, said here. No
        # page can show a framework this import created but through the
        # lists of all frameworks.
        created = self.touched - existed
        self.touched &= existed
        if self.touched or created:
            bump_on_commit(
                catalogue_tags.FRAMEWORKS,
                catalogue_tags.FRAMEWORK_REFS,
                catalogue_tags.CATALOGUE,
                catalogue_tags.VOTES,
                *(
                    tag(pk)
                    for pk in self.touched
                    for tag in (catalogue_tags.framework, catalogue_tags.history)
                ),
                *(catalogue_tags.votes(pk) for pk in self.touched),
            )

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
        self.frameworks[slug] = self.framework_rows.put(slug, {"slug": slug}, values, row.where)

    def load_history(self, row):
        framework = self.frameworks[row.data["slug"]]
        for entry in row.items("history"):
            metric = entry.text("metric", required=True)
            if metric not in METRICS:
                entry.fail(f"must be one of {', '.join(METRICS)}", "metric")
            value = entry.integer("value", required=True, null=False)
            day = entry.day("day")
            if day is None:
                entry.fail("is missing", "day")
            self.snapshots.put(
                (framework.pk, metric, day),
                {"framework": framework, "metric": metric, "day": day},
                {
                    "value": value,
                    "source": entry.text("source", required=True),
                    "source_url": entry.text("source_url"),
                },
                entry.where,
            )
        for entry in row.items("release_series"):
            name = entry.text("name", required=True)
            self.series.put(
                (framework.pk, name),
                {"framework": framework, "name": name},
                {
                    **{name: entry.day(name) for name in SERIES_DAYS},
                    **{name: entry.flag(name) for name in SERIES_FLAGS},
                    **{name: entry.text(name) for name in SERIES_TEXTS},
                },
                entry.where,
            )

    def load_links(self, rows):
        """Alternatives (symmetric: a link either side lists stays) and
        integrations, as the file lists them; links to frameworks the file
        does not hold (unpublished here) stay. One read and a few bulk
        writes of the link tables."""
        in_file = {f.pk for f in self.frameworks.values()}
        for key in ("alternatives", "integrations"):
            through = getattr(Framework, key).through
            current = {
                (a, b): pk
                for pk, a, b in through.objects.values_list(
                    "pk", "from_framework_id", "to_framework_id"
                )
            }
            wanted = set()
            for row in rows:
                pk = self.frameworks[row.data["slug"]].pk
                for slug in row.slugs(key):
                    wanted.add((pk, self.framework(slug, row, key).pk))
            if key == "alternatives":
                wanted |= {(b, a) for a, b in wanted}
            stale = {(a, b) for a, b in current.keys() - wanted if a in in_file and b in in_file}
            added = wanted - current.keys()
            for batch in _chunks(sorted(current[pair] for pair in stale), 5000):
                through.objects.filter(pk__in=batch).delete()
            insert_values(through, ["from_framework_id", "to_framework_id"], sorted(added))
            self.touched |= {pk for pair in stale | added for pk in pair}

    def load_assessments(self, row):
        framework = self.frameworks[row.data["slug"]]
        read = []
        for item in row.items("assessments"):
            criterion = self.criterion(item.text("criterion", required=True), item, "criterion")
            verdict = item.text("verdict")
            if verdict not in VERDICTS:
                item.fail(f'must be one of {", ".join(VERDICTS[:-1])} or ""', "verdict")
            since, until = item.text("since"), item.text("until")
            read.append(
                self.assessments.put(
                    (framework.pk, criterion.pk, until),
                    {"framework": framework, "criterion": criterion, "until": until},
                    {
                        "since": since,
                        "verdict": verdict,
                        "summary": item.text("summary", required=True),
                        "source_url": item.text("source_url"),
                        "checked_on": item.day("checked_on"),
                    },
                    item.where,
                )
            )
        ids = {id(a) for a in read}
        kept = [a for a in self.saved_assessments.get(framework.pk, []) if id(a) not in ids]
        error = range_error([*read, *kept])
        if error:
            row.fail(error, "assessments")

    def load_procons(self, row):
        framework = self.frameworks[row.data["slug"]]
        for key, kind in (("pros", ProCon.Kind.PRO), ("cons", ProCon.Kind.CON)):
            for item in row.items(key):
                text = item.text("text", required=True)
                votes = item.integer("votes", null=False)
                natural = (framework.pk, kind, text.lower())
                existing = self.procons.found.get(natural)
                rows = self.member_votes.get(existing.pk, 0) if existing else 0
                baseline = max(0, votes - rows)
                self.procons.put(
                    natural,
                    {"framework": framework, "kind": kind},
                    {
                        "text": text,
                        "detail": item.text("detail"),
                        "baseline_votes": baseline,
                        "votes_count": baseline + rows,
                        "status": ProCon.Status.APPROVED,
                    },
                    item.where,
                )

    def load_comparisons(self):
        """The curated comparisons, their frameworks and differences, written
        in bulk as the frameworks' rows (one by one through ``save()`` and
        ``full_clean()``, 400 of them took 13 to 43 s at 20,000 frameworks:
        some 25 statements each). Their pages are said stale here."""
        comparisons = _Rows(self, Comparison, Comparison.objects.all(), key=lambda c: c.slug)
        slugs = {c.pk: c.slug for c in comparisons.found.values()}
        differences = _Rows(
            self,
            Difference,
            Difference.objects.all(),
            key=lambda d: (slugs[d.comparison_id], d.criterion_id),
            unchecked=["comparison", "criterion"],
        )
        current = {}
        for comparison_id, framework_id in ComparisonEntry.objects.order_by(
            "comparison", "position"
        ).values_list("comparison", "framework"):
            current.setdefault(comparison_id, []).append(framework_id)
        #: Which published comparison holds each set of frameworks, as the
        #: file's entries are read (a later one may not take an earlier's).
        holders = {c.framework_key: c.slug for c in comparisons.found.values() if c.is_published}
        held = {slug: key for key, slug in holders.items()}  # the other way round
        wanted = {}  # slug -> frameworks, in file order
        kept = set()  # the differences the file lists
        for row in self.doc.items("comparisons"):
            slug = row.text("slug", required=True)
            frameworks = [self.framework(s, row, "frameworks") for s in row.slugs("frameworks")]
            try:
                check_comparison_frameworks(frameworks)
            except ValidationError as error:
                row.fail(_messages(error), "frameworks")
            framework_key = framework_set_key(frameworks)
            holder = holders.get(framework_key, slug)
            if holder != slug:
                row.fail(f'the published comparison "{holder}" already holds them', "frameworks")
            holders.pop(held.get(slug), None)
            holders[framework_key], held[slug] = slug, framework_key
            comparison = comparisons.put(
                slug,
                {"slug": slug},
                {
                    "title": row.text("title", required=True),
                    "intro": row.text("intro"),
                    "summary": row.text("summary"),
                    "framework_key": framework_key,
                    "is_published": True,
                },
                row.where,
            )
            wanted[slug] = frameworks
            criteria = set()
            for item in row.items("differences"):
                criterion = self.criterion(item.text("criterion", required=True), item, "criterion")
                if criterion.pk in criteria:
                    item.fail("names a criterion twice in this comparison", "criterion")
                criteria.add(criterion.pk)
                kept.add((slug, criterion.pk))
                differences.put(
                    (slug, criterion.pk),
                    {"comparison": comparison, "criterion": criterion},
                    {
                        "text": item.text("text", required=True),
                        "position": item.integer("position", null=False),
                    },
                    item.where,
                )
        touched = {c.pk for c in comparisons.flush()}
        for key in differences.new:  # their comparison may have been new too
            difference = differences.found[key]
            difference.comparison_id = difference.comparison.pk
        touched |= {d.comparison_id for d in differences.flush()}
        for key, stale in differences.found.items():
            if key[0] in wanted and key not in kept:
                stale.delete()  # rare: one by one, with their history and signals
        moved = {
            comparisons.found[slug].pk: frameworks
            for slug, frameworks in wanted.items()
            if current.get(comparisons.found[slug].pk) != [f.pk for f in frameworks]
        }
        ComparisonEntry.objects.filter(comparison__in=list(moved)).delete()
        ComparisonEntry.objects.bulk_create(
            ComparisonEntry(comparison_id=pk, framework=f, position=i)
            for pk, frameworks in moved.items()
            for i, f in enumerate(frameworks, start=1)
        )
        touched |= set(moved)
        if touched:
            bump_on_commit(
                comparison_tags.COMPARISONS, *map(comparison_tags.comparison_history, touched)
            )


def _messages(error):
    if hasattr(error, "message_dict"):
        return "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
    return " ".join(error.messages)


def import_catalogue(raw, progress=None):
    """Load a catalogue file's bytes; returns a summary of what was written.

    All or nothing: any error rolls the whole import back. ``progress``,
    if given, is called as ``progress(stage, frameworks done, total)`` every
    ``PROGRESS_EVERY`` frameworks of a long import."""
    with _no_cycle_collection():
        data = parse(raw)
        importer = _Importer(data, progress)
        try:
            with _big_page_cache(), transaction.atomic(), importing(FILE_IMPORT), bumping_once():
                importer.run()
        except IntegrityError as error:
            raise CatalogueError(f"The database refused the file: {error}") from None
    return importer.stats


@contextlib.contextmanager
def _no_cycle_collection():
    """Python's cycle collector off while an import builds millions of
    objects that all stay alive until it ends: each full collection walked
    them all again (a tenth of the CPU at 2,000 frameworks). Only import
    commands call the import; the collector is back on when it ends."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextlib.contextmanager
def _big_page_cache():
    """On SQLite, a page cache of 256 MiB for the import's one transaction
    (the default 2 MiB spills and rereads index pages all along a large
    import: a quarter of its time at 20,000 frameworks); then the default."""
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        (before,) = cursor.fetchone()
        cursor.execute("PRAGMA cache_size = -262144")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")
