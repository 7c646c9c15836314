"""Holes: blocks of a page cached apart from it, under tags of their own.

A template prints ``hole(name, *args)``; the kind registered as ``name``
renders the block from ``args`` alone. ``fill`` fills a rendered page's
holes: for members with their own state, for everyone else from the shared
blocks. The marker holds a secret of this process and never reaches a
reader, so nothing a visitor types can forge one.
"""

import collections
import json
import secrets

from django.conf import settings
from markupsafe import Markup

from . import store, tags

MARK = secrets.token_hex(16)
_kinds = {}
_held = store.Held(4096)
_flights = store.Flights()


def register(name, *, load, render):
    """A kind of hole. ``load(args_list, user, memo)`` reads the data of
    several holes at once: ``{args: (tags, context)}`` (``user`` None for the
    shared blocks; ``memo`` a dict shared by kinds filled together);
    ``render(request, args, context)`` is one hole's HTML (``request`` None
    for the shared blocks)."""
    _kinds[name] = (load, render)


def hole(name, *args):
    """Where hole ``name`` with ``args`` (texts or numbers) goes in a template."""
    return Markup(MARK + json.dumps([name, *args]) + MARK)


def _entry(key):
    return store.key("hole", key)


def _lock(key):
    return _entry(key) + ":lock"


class Resolution:
    """The shared blocks of a page's holes. ``wanted``: the keys to read after
    the clock in the page's own round trip; none when every block held was
    seen to stand at the clock the request read, else their tags' versions
    (the blocks for those not held). ``finish(found)``: ``{hole key: html}``,
    taking stale blocks as another process stored them again, or rendering."""

    def __init__(self, keys, now=None):
        self.held = {key: _held.get(key) for key in keys}
        checks = [checked for _, checked in self.held.values()]
        self.ready = now is not None and all(checked == now for checked in checks)
        self.wanted = [] if self.ready else [tags.CLOCK_KEY]
        for key, (block, _) in self.held.items() if not self.ready else ():
            self.wanted += block.versions if block is not None else [_entry(key)]

    def finish(self, found):
        if self.ready:
            return {key: block.value for key, (block, _) in self.held.items()}
        if found is None:  # the cache is down: render, keep nothing
            return _render(list(self.held), None, clock=None)
        texts, clock = {}, found.get(tags.CLOCK_KEY)
        for key, (block, _) in self.held.items():
            block = block or found.get(_entry(key))
            if block is not None and tags.holds(block.versions, found):
                texts[key] = block.value
                _held.put(key, block, clock)
        stale = [key for key in self.held if key not in texts]
        if stale:
            texts |= _stored(stale)
            texts |= _refresh([key for key in stale if key not in texts], clock)
        return texts


def _stored(keys, locks=False):
    """``{key: html}`` of the holes whose block as stored stands; with
    ``locks``, None for those no other process is rendering any more."""
    entries = store.get_many([_entry(k) for k in keys] + [_lock(k) for k in keys if locks])
    blocks = {key: entries[_entry(key)] for key in keys if _entry(key) in (entries or {})}
    found, clock = tags.check({k: v for b in blocks.values() for k, v in b.versions.items()})
    ready = {}
    for key in keys:
        block = blocks.get(key)
        if clock is not None and block is not None and tags.holds(block.versions, found):
            ready[key] = block.value
            _held.put(key, block, clock)
        elif locks and _lock(key) not in (entries or {}):
            ready[key] = None
    return ready


def _refresh(stale, clock=None):
    """Render the stale holes, one reader per hole in this process: its other
    readers take that block when it is exact for them (its clock read no
    earlier than theirs), even one not kept."""
    seen, ready = tags.seen(), {}
    mine, theirs = _flights.take(stale)
    try:
        clock = clock or tags.read_clock()  # read before the data
        ready = _render_once(list(mine), clock) if mine else {}
        for key, flight in mine.items():
            flight.result = (clock, ready[key])
    finally:
        _flights.land(mine)
    for key, flight in theirs.items():
        flight.wait(store.WAIT_SECONDS)
        clock, html = flight.result or (None, None)
        if html is None or seen is None or clock is None or seen > clock:
            html = _render([key], None, clock=tags.read_clock())[key]
        ready[key] = html
    return ready


def _render_once(keys, clock):
    """Render blocks once on the machine: those another process is rendering
    (holding their locks) are taken as it stores them, or rendered here if
    it let go of them with nothing stored that stands."""
    locks = [key for key in keys if store.add(_lock(key), 1, store.LOCK_TIMEOUT) is not False]
    try:
        ready = _render(locks, None, clock=clock) if locks else {}
    finally:  # let go before waiting, or two processes wait for each other
        if locks:
            store.delete_many(list(map(_lock, locks)))
    for _ in store.polls() if len(locks) < len(keys) else ():
        ready |= _stored([key for key in keys if key not in ready], locks=True)
        if len(ready) == len(keys):
            break
    missing = [key for key in keys if ready.get(key) is None]
    return ready | (_render(missing, None, clock=clock) if missing else {})


#: What the shared blocks rendered at one value of the clock share (``load``'s
#: ``memo``): the blocks of one framework a vote made stale read it once.
_memo = (None, {})


def _render(keys, request, *, clock):
    """Render holes in one batch per kind: ``{key: html}``. For everyone but
    members (``request`` None) each block is stored under its own tags when
    its render did not overlap a write to them."""
    global _memo
    if request is None and clock is not None and _memo[0] != clock:
        _memo = (clock, {})
    memo = _memo[1] if request is None and clock is not None else {}
    user = None if request is None else request.user
    by_kind = collections.defaultdict(list)
    for key in keys:
        name, *args = json.loads(key)
        by_kind[name].append((key, tuple(args)))
    texts, done = {}, []
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
        kept = {}
        for (key, _), versions in zip(done, tags.versions(*(r for _, r in done)), strict=True):
            if versions is not None:  # it stands at the clock it was rendered at
                kept[key] = store.Entry(versions, texts[key])
                _held.put(key, kept[key], clock)
        store.set_many({_entry(key): entry for key, entry in kept.items()}, tags.PAGE_TIMEOUT)
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
        resolution = Resolution(dict.fromkeys(keys), tags.seen())
        texts = resolution.finish(store.get_many(resolution.wanted) if resolution.wanted else {})
    out = [literals[0]]
    for key, literal in zip(keys, literals[1:], strict=True):
        out += (texts[key], literal)
    render = tags.current()
    if render is not None and render.pages is not None and not member:
        render.pages.append(("".join(out), literals, keys))
    return "".join(out)
