"""Help texts are HTML wherever Django renders them (the admin, our form
partial): each must read in the page exactly as written in the code."""

from html.parser import HTMLParser

import pytest
from django.apps import apps
from django.urls import reverse

from tests.factories import (
    AssessmentFactory,
    ComparisonFactory,
    CriterionFactory,
    FrameworkFactory,
    ProConFactory,
)

pytestmark = pytest.mark.django_db

OUR_APPS = ["core", "frameworks", "comparison"]


class HelpTexts(HTMLParser):
    """The visible text of every element whose id ends in "_helptext"."""

    def __init__(self):
        super().__init__()
        self.texts, self._depth, self._id = {}, 0, None

    def handle_starttag(self, tag, attrs):
        element_id = dict(attrs).get("id") or ""
        if self._id is None and element_id.endswith("_helptext"):
            self._id, self._depth = element_id, 0
            self.texts[element_id] = ""
        if self._id is not None:
            self._depth += 1

    def handle_endtag(self, tag):
        if self._id is not None:
            self._depth -= 1
            if self._depth == 0:
                self._id = None

    def handle_data(self, data):
        if self._id is not None:
            self.texts[self._id] += data


def help_texts(html):
    parser = HelpTexts()
    parser.feed(html)
    return {key: " ".join(text.split()) for key, text in parser.texts.items()}


def test_no_model_help_text_holds_characters_html_would_swallow():
    for app in OUR_APPS:
        for model in apps.get_app_config(app).get_models():
            for field in model._meta.get_fields():
                text = str(getattr(field, "help_text", "") or "")
                assert "<" not in text and "&" not in text, (model.__name__, field.name, text)


@pytest.mark.parametrize(
    ("factory", "fields"),
    [
        (lambda: ComparisonFactory(), ["slug"]),
        (lambda: FrameworkFactory(), ["slug", "stats_as_of"]),
        (lambda: CriterionFactory(), ["question"]),
        (lambda: AssessmentFactory(), ["verdict"]),
        (lambda: ProConFactory(), ["baseline_votes"]),
    ],
)
def test_admin_change_page_shows_each_help_text_as_written(admin_client, factory, fields):
    obj = factory()
    meta = obj._meta
    url = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[obj.pk])
    shown = help_texts(admin_client.get(url).content.decode())
    for name in fields:
        assert shown[f"id_{name}_helptext"] == str(meta.get_field(name).help_text), name


def test_comparison_slug_help_text_names_the_alias_address(admin_client):
    comparison = ComparisonFactory()
    url = reverse("admin:comparison_comparison_change", args=[comparison.pk])
    shown = help_texts(admin_client.get(url).content.decode())["id_slug_helptext"]
    assert "/compare//" not in shown
    assert "/compare/" in shown and "slug" in shown
