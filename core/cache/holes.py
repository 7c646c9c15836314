"""Holes: blocks of a page cached apart from it, under tags of their own.

Counts that change far more often than the pages showing them (votes,
follows, stacks) are printed in *holes*: a template prints ``hole(name,
*args)`` where the block goes, and the block is rendered from ``name``
and ``args`` alone by the kind registered under that name (which loads
its own data and declares its own tags, e.g. ``counts:12``). A stored page
keeps its literal parts and the holes' keys, never their content; serving
it fills each hole from its own entry. A vote bumps only its framework's
counts tag: the next reader re-renders that one small block, once
(coalesced), and every page showing it is exact by construction.

Where the marker a template prints is replaced, it never reaches a reader:
it holds a secret of this process, so nothing a visitor types can forge
one. Holes are filled when a template is rendered (``fill``), for members
with their own state (what they voted for, their form token), for everyone
else from the shared entries, rendering the missing ones in one batch per
kind.
"""

import collections
import json
import secrets
import threading
import time
from dataclasses import dataclass, field

from django.conf import settings
from markupsafe import Markup

from . import store, tags

MARK = secrets.token_hex(16)
LOCK_TIMEOUT = 10  # seconds a render may hold a coalescing lock
WAIT_SECONDS = 2.0  # how long a reader waits for another's render
POLL_SECONDS = (0.002, 0.004, 0.008, 0.015, 0.025)


@dataclass(frozen=True)
class Kind:
    """``load(args_list, user, memo)`` reads the data of several holes in one
    go: ``{args: (tags, context)}`` (``user`` is None for the shared
    version; ``memo``, a dict, is shared by the kinds filled together, so
    they can share their reads); ``render(request, args, context)`` returns
    one hole's HTML (``request`` is None for the shared version)."""

    name: str
    load: object
    render: object


_kinds = {}


def register(name, *, load, render):
    _kinds[name] = Kind(name, load, render)


def hole(name, *args):
    """What a template prints where hole ``name`` with ``args`` (texts or
    numbers) goes; filled when the template is rendered."""
    return Markup(MARK + json.dumps([name, *args]) + MARK)


@dataclass(frozen=True, eq=False)
class Block:
    versions: dict  # {tag key: version}
    html: str


class _Held:
    """Blocks this process holds, newest last, at most ``limit``."""

    def __init__(self, limit):
        self.limit, self.blocks, self.lock = limit, collections.OrderedDict(), threading.Lock()

    def get(self, key):
        with self.lock:
            return self.blocks.get(key)

    def put(self, key, block):
        with self.lock:
            self.blocks[key] = block
            self.blocks.move_to_end(key)
            while len(self.blocks) > self.limit:
                self.blocks.popitem(last=False)


HELD_MAX = 4096
_held = _Held(HELD_MAX)


def _entry_key(key):
    return store.key("hole", key)


@dataclass
class Resolution:
    """The holes of one page for readers who are not signed in: ``wanted``
    are the cache keys to read (in the same round trip as the page's own),
    then ``finish(found)`` gives ``{hole key: html}``."""

    keys: list
    held: dict = field(default_factory=dict)
    wanted: list = field(default_factory=list)

    def __post_init__(self):
        self.keys = list(dict.fromkeys(self.keys))
        for key in self.keys:
            block = self.held[key] = _held.get(key)
            self.wanted += list(block.versions) if block else [_entry_key(key)]

    def finish(self, found):
        if found is None:  # the cache is down: render, keep nothing
            return _render(self.keys, None, clock=None)
        texts, stale = {}, []
        for key in self.keys:
            block = self.held[key] or found.get(_entry_key(key))
            if block is not None and tags.holds(block.versions, found):
                texts[key] = block.html
                if self.held[key] is None:
                    _held.put(key, block)
            else:
                stale.append(key)
        if stale:
            texts.update(_refresh(stale, self.held))
        return texts


def _refresh(keys, held):
    """Blocks another process stored meanwhile, else rendered here, one
    reader per hole rendering it (the others wait for its entry)."""
    ready = _stored(keys, held)
    rest = [k for k in keys if k not in ready]
    if not rest:
        return ready
    leading, waited = {}, {}
    for key in rest:
        token = store.add(_entry_key(key) + ":lock", secrets.randbits(62), LOCK_TIMEOUT)
        (leading if token else waited)[key] = token
    if leading:
        clock = tags.read_clock()
        ready.update(_render(list(leading), None, clock=clock))
        for key in leading:
            store.delete(_entry_key(key) + ":lock")
    for key in waited:
        ready[key] = _wait(key, held) or _render([key], None, clock=tags.read_clock())[key]
    return ready


def _stored(keys, held):
    """{key: html} of the keys whose shared entry is current."""
    entries = store.get_many([_entry_key(k) for k in keys]) or {}
    blocks = {k: entries.get(_entry_key(k)) for k in keys}
    versions = {tk for b in blocks.values() if b for tk in b.versions}
    found = store.get_many(list(versions)) if versions else {}
    ready = {}
    for key, block in blocks.items():
        if block is not None and found is not None and tags.holds(block.versions, found):
            _held.put(key, block)
            ready[key] = block.html
    return ready


def _wait(key, held):
    deadline = time.monotonic() + WAIT_SECONDS
    for pause in (*POLL_SECONDS, *[POLL_SECONDS[-1]] * 200):
        if time.monotonic() >= deadline:
            return None
        time.sleep(pause)
        ready = _stored([key], held)
        if ready:
            return ready[key]
        if store.add(_entry_key(key) + ":lock", 1, LOCK_TIMEOUT):  # the renderer left
            store.delete(_entry_key(key) + ":lock")
            return None
    return None


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
        kind = _kinds[name]
        with tags.rendering(clock, inherit=False) as batch:
            data = kind.load([args for _, args in holes], user, memo)
            loaded = set(batch.tags)  # declared while loading: every hole's
            for key, args in holes:
                declared, context = data[args]
                with tags.rendering(clock, inherit=False) as render:
                    tags.depends_on(*declared, *loaded)
                    texts[key] = str(kind.render(request, args, context))
                batch.tags |= render.tags
                done.append((key, render))
    if request is None and clock is not None:
        recorded = tags.versions(*(render for _, render in done))
        for (key, _), versions in zip(done, recorded, strict=True):
            if versions is not None:
                block = Block(versions, texts[key])
                store.set(_entry_key(key), block, tags.PAGE_TIMEOUT)
                _held.put(key, block)
    return texts


def fill(html, request):
    """``html`` with its holes filled for ``request``'s reader. The page
    cache, rendering a page for everyone, is told its parts and holes."""
    if MARK not in html:
        return html
    parts = html.split(MARK)
    keys = parts[1::2]
    member = request is not None and request.user.is_authenticated
    if member:
        texts = _render(list(dict.fromkeys(keys)), request, clock=None)
    elif settings.PAGE_CACHE:
        resolution = Resolution(keys)
        texts = resolution.finish(store.get_many(resolution.wanted))
    else:
        texts = _render(list(dict.fromkeys(keys)), None, clock=None)
    literals = parts[0::2]
    out = [literals[0]]
    for key, literal in zip(keys, literals[1:], strict=True):
        out += (texts[key], literal)
    filled = "".join(out)
    render = tags.current()
    if render is not None and not member and render.pages is not None:
        render.pages.append((filled, literals, keys))
    return filled
