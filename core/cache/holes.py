"""Holes: blocks of a page cached apart from it, under tags of their own.

A template prints ``hole(name, *args)``; the kind registered as ``name``
renders the block from ``args`` alone. Holes are filled when a template is
rendered (``fill``): for members with their own state, for everyone else
from the shared blocks. The marker holds a secret of this process and
never reaches a reader, so nothing a visitor types can forge one.
"""

import collections
import json
import secrets
import time

from django.conf import settings
from markupsafe import Markup

from . import store, tags

MARK = secrets.token_hex(16)
LOCK_TIMEOUT = 10  # seconds a render may hold a coalescing lock
WAIT_SECONDS = 2.0  # how long a reader waits for another's render
POLL_SECONDS = (0.002, 0.004, 0.008, 0.015, 0.025)


_kinds = {}


def register(name, *, load, render):
    """A kind of hole. ``load(args_list, user, memo)`` reads the data of
    several holes in one go: ``{args: (tags, context)}`` (``user`` None for
    the shared blocks; ``memo``, a dict the kinds filled together share,
    to share reads); ``render(request, args, context)`` is one hole's HTML
    (``request`` None for the shared blocks)."""
    _kinds[name] = (load, render)


def hole(name, *args):
    """What a template prints where hole ``name`` with ``args`` (texts or
    numbers) goes; filled when the template is rendered."""
    return Markup(MARK + json.dumps([name, *args]) + MARK)


_held = store.Held(4096)


def _entry(key):
    return store.key("hole", key)


def polls():
    """The pauses of a reader waiting for another's render."""
    deadline, pauses = time.monotonic() + WAIT_SECONDS, iter(POLL_SECONDS)
    while time.monotonic() < deadline:
        yield time.sleep(next(pauses, POLL_SECONDS[-1]))


class Resolution:
    """The shared blocks of a page's holes: ``wanted`` are the cache keys to
    read (in the page's own round trip), ``finish(found)`` gives
    ``{hole key: html}``, fetching or rendering only what is stale."""

    def __init__(self, keys):
        self.held = {key: _held.get(key) for key in keys}
        self.wanted = [
            k
            for key, block in self.held.items()
            for k in (block.versions if block is not None else [_entry(key)])
        ]

    def finish(self, found):
        if found is None:  # the cache is down: render, keep nothing
            return _render(list(self.held), None, clock=None)
        texts = {}
        for key, block in self.held.items():
            block = block or found.get(_entry(key))
            if block is not None and tags.holds(block.versions, found):
                texts[key] = block.value
                _held.put(key, block)
        stale = [key for key in self.held if key not in texts]
        return texts | _refresh(stale) if stale else texts


def _stored(keys):
    """``{key: html}`` of the keys whose shared block is current."""
    found = store.get_many([_entry(key) for key in keys]) or {}
    blocks = {key: found[_entry(key)] for key in keys if _entry(key) in found}
    versions = store.get_many([k for block in blocks.values() for k in block.versions])
    ready = {}
    for key, block in blocks.items():
        if versions is not None and tags.holds(block.versions, versions):
            _held.put(key, block)
            ready[key] = block.value
    return ready


def _refresh(stale):
    """Blocks another process stored meanwhile; else rendered here, in one
    batch, by the one reader that takes each hole's lock, while the others
    wait for its block (and render it themselves if it never comes)."""
    ready = _stored(stale)
    rest = [key for key in stale if key not in ready]
    leading = [key for key in rest if store.add(_entry(key) + ":lock", 1, LOCK_TIMEOUT)]
    if leading:
        ready |= _render(leading, None, clock=tags.read_clock())
        for key in leading:
            store.delete(_entry(key) + ":lock")
    for key in (key for key in rest if key not in ready):
        for _ in polls():
            ready |= _stored([key])
            if key in ready:
                break
            if store.add(_entry(key) + ":lock", 1, LOCK_TIMEOUT):  # left without a block
                store.delete(_entry(key) + ":lock")
                break
        if key not in ready:
            ready |= _render([key], None, clock=tags.read_clock())
    return ready


def _render(keys, request, *, clock):
    """Render holes in one batch per kind: ``{key: html}``. For everyone but
    members (``request`` None) each block is stored under its own tags when
    its render did not overlap a write to them."""
    user = None if request is None else request.user
    by_kind = collections.defaultdict(list)
    for key in keys:
        name, *args = json.loads(key)
        by_kind[name].append((key, tuple(args)))
    texts, done, memo = {}, [], {}
    for name, holes in by_kind.items():
        load, render_one = _kinds[name]
        with tags.rendering(clock, inherit=False) as batch:
            data = load([args for _, args in holes], user, memo)
            loaded = set(batch.tags)  # declared while loading: every hole's
            for key, args in holes:
                declared, context = data[args]
                with tags.rendering(clock, inherit=False) as render:
                    tags.depends_on(*declared, *loaded)
                    texts[key] = str(render_one(request, args, context))
                batch.tags |= render.tags
                done.append((key, render))
    if request is None and clock is not None:
        for (key, _), versions in zip(done, tags.versions(*(r for _, r in done)), strict=True):
            if versions is not None:
                store.set(_entry(key), store.Entry(versions, texts[key]), tags.PAGE_TIMEOUT)
                _held.put(key, store.Entry(versions, texts[key]))
    return texts


def fill(html, request):
    """``html`` with its holes filled for ``request``'s reader; the page
    cache, rendering a page for everyone, is told its parts and holes."""
    if MARK not in html:
        return html
    parts = html.split(MARK)
    keys, literals = parts[1::2], parts[0::2]
    member = request is not None and request.user.is_authenticated
    if member or not settings.PAGE_CACHE:
        texts = _render(list(dict.fromkeys(keys)), request if member else None, clock=None)
    else:
        resolution = Resolution(dict.fromkeys(keys))
        texts = resolution.finish(store.get_many(resolution.wanted))
    out = [literals[0]]
    for key, literal in zip(keys, literals[1:], strict=True):
        out += (texts[key], literal)
    render = tags.current()
    if render is not None and render.pages is not None and not member:
        render.pages.append(("".join(out), literals, keys))
    return "".join(out)
