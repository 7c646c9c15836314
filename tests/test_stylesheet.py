"""site.css uses tokens only: colours and spacing come from custom
properties in :root, and the dark scheme swaps tokens and nothing else."""

import re
from pathlib import Path

from django.conf import settings

CSS = (Path(settings.BASE_DIR) / "static" / "css" / "site.css").read_text()
COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}\b|\b(?:rgb|rgba|hsl|hsla)\(|:\s*(?:white|black)\b")
SPACING = re.compile(
    r"^\s*(?:margin|padding|gap|row-gap|column-gap|scroll-padding)[a-z-]*\s*:[^;]*\d(?:rem|px)",
    re.MULTILINE,
)


def _without_comments(css):
    return re.sub(r"/\*.*?\*/", "", css, flags=re.DOTALL)


def _blocks(css, opener):
    """The bodies of every ``opener { ... }`` block (braces balanced)."""
    bodies = []
    for match in re.finditer(re.escape(opener) + r"\s*\{", css):
        depth, start = 1, match.end()
        for i in range(start, len(css)):
            depth += {"{": 1, "}": -1}.get(css[i], 0)
            if depth == 0:
                bodies.append(css[start:i])
                break
    return bodies


def _declarations(body):
    return [d.strip() for d in re.split(r"[;{}]", body) if ":" in d and d.strip()]


def test_colours_are_written_only_as_tokens_in_root():
    css = _without_comments(CSS)
    outside = css
    for body in _blocks(css, ":root"):
        outside = outside.replace(body, "")
    assert not COLOUR.findall(outside)


def test_spacing_comes_from_the_space_scale():
    css = _without_comments(CSS)
    # The standard visually-hidden clip (1px box, -1px margin) is not spacing.
    for body in _blocks(css, ".visually-hidden:not(:focus):not(:active)"):
        css = css.replace(body, "")
    assert not SPACING.findall(css)
    assert "var(--space" in CSS


def test_dark_scheme_only_swaps_tokens():
    dark = _blocks(_without_comments(CSS), "@media (prefers-color-scheme: dark)")
    assert len(dark) == 1
    roots = _blocks(dark[0], ":root")
    assert len(roots) == 1 and dark[0].strip().startswith(":root")
    assert dark[0].strip().endswith("}") and dark[0].count("{") == 1
    assert all(d.startswith("--") for d in _declarations(roots[0]))


def test_every_token_used_is_defined():
    defined = set(re.findall(r"(--[\w-]+)\s*:", CSS))
    used = set(re.findall(r"var\((--[\w-]+)", CSS))
    assert used - defined == set()
