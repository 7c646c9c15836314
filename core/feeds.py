"""Feeds whose XML is always well-formed.

Django's feed writer raises on a control character ("Control characters are
not supported in XML 1.0"), which turns a feed into a lasting 500 as long as
one entry holds one. The text policy (``core.text``) keeps them out of new
text; ``XmlSafeFeed`` strips what XML 1.0 forbids from every field on output,
for text stored before the policy.
"""

from django.contrib.syndication.views import Feed

from core.text import xml_text


def _xml_safe(value):
    if isinstance(value, str):
        return xml_text(value)
    if isinstance(value, list | tuple):
        return type(value)(_xml_safe(item) for item in value)
    return value


class XmlSafeFeed(Feed):
    """A ``Feed`` whose channel and items carry only characters XML allows."""

    def get_feed(self, obj, request):
        feed = super().get_feed(obj, request)
        feed.feed = {key: _xml_safe(value) for key, value in feed.feed.items()}
        feed.items = [{key: _xml_safe(value) for key, value in item.items()} for item in feed.items]
        return feed
