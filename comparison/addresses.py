"""Compare addresses: which frameworks "/compare/<a>-vs-<b>/" names.

Parses the address, follows curated aliases, and explains a bad address
(with typo suggestions) by raising CompareError; a non-canonical address
resolves to a Redirect. The comparison matrix itself is built in
``selectors``.
"""

import re
from dataclasses import dataclass

from django.urls import reverse

from frameworks.models import COMPARE_SEPARATOR, Framework
from frameworks.search import suggestions_for

from .models import (
    FRAMEWORK_RANGE,
    MAX_FRAMEWORKS,
    MIN_FRAMEWORKS,
    Comparison,
    compare_path,
)

MAX_PATH_LENGTH = 300
_SLUGS_RE = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
#: Slugs, each perhaps pinned to a release series: "django-5.2-vs-flask".
_ADDRESS_RE = re.compile(r"^[a-z0-9]+([.-][a-z0-9]+)*$")
#: A series an address can pin a framework to: "5.2", "18" (not "2024-lts").
_SERIES = r"[0-9][0-9a-z]*(\.[0-9a-z]+)*"
PINNABLE = re.compile(rf"^{_SERIES}$")
#: One framework pinned to a series: "django-5.2", "vue-3-3.4".
_PINNED_RE = re.compile(rf"^(?P<slug>[a-z0-9]+(-[a-z0-9]+)*)-(?P<series>{_SERIES})$")


class CompareError(Exception):
    """A compare URL that names no valid set of frameworks.

    ``message`` says what was wrong, ``suggestions`` maps each unknown slug
    to the close matches found ("flsk" -> [Flask]).
    """

    def __init__(self, message, suggestions=None, corrected=None):
        super().__init__(message)
        self.message = message
        self.suggestions = suggestions or {}
        #: (title, url) of the comparison with every typo replaced by its
        #: closest match, when there is one ("django-vs-flsk" -> Django vs Flask).
        self.corrected = corrected


@dataclass
class Redirect:
    url: str


def parse_slugs(raw):
    """Split "django-vs-flask-3.1" into its parts ("django", "flask-3.1"),
    or raise CompareError."""
    if len(raw) > MAX_PATH_LENGTH:
        raise CompareError(f"That address is far too long to name {FRAMEWORK_RANGE} frameworks.")
    cleaned = raw.strip().strip("/")
    slugs = cleaned.lower().split(COMPARE_SEPARATOR)
    if not _ADDRESS_RE.match(cleaned.lower()) or not all(
        _SLUGS_RE.match(s) or _PINNED_RE.match(s) for s in slugs
    ):
        raise CompareError(
            "A comparison address holds framework slugs (letters, digits and hyphens), "
            'each perhaps followed by a release series, joined by "-vs-": '
            "django-vs-flask, or django-5.2-vs-flask-3.1."
        )
    if len(slugs) < MIN_FRAMEWORKS:
        raise CompareError(
            f'A comparison needs at least {MIN_FRAMEWORKS} frameworks, joined by "-vs-".'
        )
    if len(slugs) > MAX_FRAMEWORKS:
        raise CompareError(f"A comparison holds at most {MAX_FRAMEWORKS} frameworks.")
    repeated = sorted({s for s in slugs if slugs.count(s) > 1})
    if repeated:
        raise CompareError(
            f'"{repeated[0]}" is named more than once; compare different frameworks.'
        )
    return slugs


def curated_alias(raw):
    """A curated comparison whose own slug is ``raw`` ("python-web-giants")."""
    slug = raw.strip("/").lower()
    if len(slug) > 200 or not _SLUGS_RE.match(slug):
        return None
    return Comparison.objects.visible().with_frameworks().filter(slug=slug).first()


def compare_path_of(raw):
    return reverse("comparison:detail", args=[raw])


def corrected_comparison(slugs, found, suggestions):
    fixed = [found.get(s) or (suggestions[s] or [None])[0] for s in slugs]
    if None in fixed or len({f.pk for f in fixed}) != len(fixed):
        return None
    return " vs ".join(f.name for f in fixed), compare_path(fixed)


def _split(part, found):
    """``(slug, series or None)`` of one part of an address: the whole part
    when a framework has it as slug ("vue-3"), else a slug and a series
    ("django-5.2")."""
    pinned = _PINNED_RE.match(part)
    if part in found or pinned is None:
        return part, None
    return pinned["slug"], pinned["series"]


def resolve_frameworks(raw):
    """``(frameworks in URL order, {framework id: series named})`` of a
    compare URL, or a Redirect. Whether each series exists is checked with
    the series (``selectors.comparison_page``).

    Raises CompareError for anything that names no valid set.
    """
    try:
        parts = parse_slugs(raw)
    except CompareError:
        alias = curated_alias(raw)
        if alias is not None:
            return Redirect(alias.get_absolute_url())
        raise
    candidates = {*parts, *(m["slug"] for m in map(_PINNED_RE.match, parts) if m)}
    found = {
        f.slug: f
        for f in Framework.objects.published()
        .select_related("category")
        .filter(slug__in=candidates)
    }
    named = [_split(part, found) for part in parts]
    slugs = [slug for slug, _ in named]
    if len(set(slugs)) < len(slugs):
        raise CompareError("A framework is named more than once; compare different frameworks.")
    missing = [s for s in slugs if s not in found]
    if missing:
        alias = curated_alias(raw)
        if alias is not None and alias.get_absolute_url() != compare_path_of(raw):
            return Redirect(alias.get_absolute_url())
        suggestions = suggestions_for(missing)
        names = ", ".join(f'"{s}"' for s in missing)
        raise CompareError(
            f"We have no published framework called {names}.",
            suggestions,
            corrected_comparison(slugs, found, suggestions),
        )
    return [found[s] for s in slugs], {found[s].pk: series for s, series in named if series}
