"""A category means the category and everything below it, on its page and
in the catalogue filter alike."""

import pytest

from tests.factories import CategoryFactory, FrameworkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    root = CategoryFactory(name="Web", slug="web")
    child = CategoryFactory(name="Python web", slug="python-web", parent=root)
    grandchild = CategoryFactory(name="Async", slug="async", parent=child)
    sibling = CategoryFactory(name="Mobile", slug="mobile")
    return {
        "root": FrameworkFactory(name="Rooted", category=root),
        "child": FrameworkFactory(name="Childish", category=child),
        "grandchild": FrameworkFactory(name="Grandkid", category=grandchild),
        "sibling": FrameworkFactory(name="Elsewhere", category=sibling),
    }


@pytest.mark.parametrize(
    ("slug", "shown"),
    [
        ("web", {"root", "child", "grandchild"}),
        ("python-web", {"child", "grandchild"}),
        ("async", {"grandchild"}),
    ],
)
def test_category_page_and_catalogue_filter_show_the_same_subtree(client, tree, slug, shown):
    page = client.get(f"/categories/{slug}/").content.decode()
    catalogue = client.get("/frameworks/", {"category": slug}).content.decode()
    for key, framework in tree.items():
        assert (framework.name in page) is (key in shown), (slug, key, "page")
        assert (framework.name in catalogue) is (key in shown), (slug, key, "catalogue")
