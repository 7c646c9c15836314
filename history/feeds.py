"""Atom feeds to watch one framework or one comparison: its changes (the
public history, ``changes.py``) and the new decisions about it."""

from dataclasses import dataclass
from datetime import datetime

from django.http import Http404, HttpResponsePermanentRedirect
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed

from comparison import addresses, selectors
from comparison.cache import COMPARISONS, changes_tags
from comparison.views import canonical_slugs, feed_html
from core.cache import depends_on
from core.feeds import XmlSafeFeed
from frameworks import cache as catalogue_tags
from frameworks.models import Decision, Framework
from stats.health import lifecycle_events

from . import changes

#: Entries in a feed: the latest changes and decisions, merged by date.
FEED_CHANGES = 30
FEED_DECISIONS = 10


@dataclass
class Entry:
    title: str
    link: str
    html: str
    when: datetime
    author: str
    guid: str


def change_entries(request, change_list, page_url):
    for change in change_list:
        link = f"{page_url}#{change.anchor}"
        yield Entry(
            title=change.title,
            link=link,
            html=render_to_string("partials/_change_entry.html", {"change": change}, request),
            when=change.when,
            author=change.who,
            guid=link,
        )


def decision_entries(decisions):
    for decision in decisions:
        link = decision.get_absolute_url()
        yield Entry(
            title=f"{decision.get_kind_display()}: {decision.title}",
            link=link,
            html=feed_html(decision.body),
            when=decision.created,
            author=decision.author.username,
            guid=link,
        )


def lifecycle_entries(frameworks):
    """New series, ends of support 90 days ahead and new advisories."""
    for event in lifecycle_events(frameworks):
        yield Entry(
            title=event.title,
            link=event.link,
            html=feed_html(event.text),
            when=event.when,
            author="StackCompare",
            guid=f"urn:stackcompare:{event.key}",
        )


class WatchFeed(XmlSafeFeed):
    """The common part: entries newest first, each with its own date."""

    feed_type = Atom1Feed

    def items(self, obj):
        return obj["entries"]

    def title(self, obj):
        return obj["title"]

    def link(self, obj):
        return obj["changes_url"]

    def subtitle(self, obj):
        return obj["subtitle"]

    def feed_url(self, obj):
        return obj["feed_url"]

    def item_title(self, item):
        return item.title

    def item_link(self, item):
        return item.link

    def item_description(self, item):
        return item.html

    def item_pubdate(self, item):
        return item.when

    def item_updateddate(self, item):
        return item.when

    def item_author_name(self, item):
        return item.author

    def item_guid(self, item):
        return item.guid

    def item_guid_is_permalink(self, item):
        return False

    @staticmethod
    def merged(*streams):
        entries = [entry for stream in streams for entry in stream]
        entries.sort(key=lambda e: e.when, reverse=True)
        return entries


class FrameworkChangesFeed(WatchFeed):
    def get_object(self, request, slug):
        framework = get_object_or_404(Framework.objects.published(), slug=slug)
        # framework:<pk> covers its release series and advisories.
        depends_on(
            *changes_tags([framework.pk]),
            catalogue_tags.decisions(framework.pk),
            catalogue_tags.framework(framework.pk),
        )
        changes_url = reverse("frameworks:changes", args=[slug])
        decisions = (
            Decision.objects.published()
            .filter(frameworks=framework)
            .select_related("author")
            .order_by("-created")[:FEED_DECISIONS]
        )
        scope = changes.Scope.of_framework(framework)
        return {
            "title": f"{framework.name}: changes and decisions · StackCompare",
            "subtitle": f"Every change to {framework.name}'s page, new decisions about it, "
            "new release series, ends of support and advisories.",
            "changes_url": changes_url,
            "feed_url": reverse("frameworks:feed", args=[slug]),
            "entries": self.merged(
                change_entries(request, changes.latest_changes(scope, FEED_CHANGES), changes_url),
                decision_entries(decisions),
                lifecycle_entries([framework]),
            ),
        }


class ComparisonChangesFeed(WatchFeed):
    """Called through ``comparison_feed``, which resolves the address."""

    def get_object(self, request, slugs, resolved):
        frameworks, comparison = resolved
        ids = [f.pk for f in frameworks]
        depends_on(
            *changes_tags(ids, comparison),
            *(catalogue_tags.decisions(pk) for pk in ids),
            *(catalogue_tags.framework(pk) for pk in ids),
            catalogue_tags.FRAMEWORKS,
            COMPARISONS,
        )
        title = comparison.title if comparison else " vs ".join(f.name for f in frameworks)
        changes_url = reverse("comparison:changes", args=[slugs])
        scope = changes.Scope.of_frameworks(ids, comparison)
        decisions = (
            Decision.objects.published()
            .about(frameworks)
            .select_related("author")
            .order_by("-created")[:FEED_DECISIONS]
        )
        return {
            "title": f"{title}: changes and decisions · StackCompare",
            "subtitle": f"Every change to the {title} comparison and new decisions about it.",
            "changes_url": changes_url,
            "feed_url": reverse("comparison:feed", args=[slugs]),
            "entries": self.merged(
                change_entries(request, changes.latest_changes(scope, FEED_CHANGES), changes_url),
                decision_entries(decisions),
                lifecycle_entries(frameworks),
            ),
        }


_comparison_feed = ComparisonChangesFeed()


def comparison_feed(request, slugs):
    """The feed of a compare address; a non-canonical one redirects to the
    canonical feed, a bad one is a 404."""
    try:
        resolved = selectors.canonical_set(slugs, curated=selectors.curated_set)
    except addresses.CompareError as error:
        raise Http404(error.message) from None
    if isinstance(resolved, addresses.Redirect):
        target = canonical_slugs(resolved)
        if target is None:
            raise Http404("We cannot compare these frameworks.")
        return HttpResponsePermanentRedirect(reverse("comparison:feed", args=[target]))
    return _comparison_feed(request, slugs=slugs, resolved=resolved)
