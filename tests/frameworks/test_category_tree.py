"""Categories form a tree: the admin refuses any parent that makes a cycle."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from frameworks.models import Category
from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def save_in_admin(admin_client, category, parent):
    return admin_client.post(
        reverse("admin:frameworks_category_change", args=[category.pk]),
        {
            "name": category.name,
            "slug": category.slug,
            "parent": parent.pk if parent else "",
            "description": category.description,
        },
    )


def test_admin_refuses_a_two_category_cycle(admin_client):
    a = CategoryFactory(name="A", slug="a")
    b = CategoryFactory(name="B", slug="b", parent=a)

    response = save_in_admin(admin_client, a, b)

    assert response.status_code == 200
    assert "cycle" in " ".join(response.context["adminform"].form.errors["parent"])
    a.refresh_from_db()
    assert a.parent is None


def test_admin_refuses_a_longer_cycle(admin_client):
    a = CategoryFactory(slug="a")
    b = CategoryFactory(slug="b", parent=a)
    c = CategoryFactory(slug="c", parent=b)

    response = save_in_admin(admin_client, a, c)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["parent"]
    a.refresh_from_db()
    assert a.parent is None


def test_admin_refuses_the_category_itself_as_parent(admin_client):
    a = CategoryFactory(slug="a")

    response = save_in_admin(admin_client, a, a)

    assert response.status_code == 200
    assert response.context["adminform"].form.errors["parent"]


def test_admin_accepts_a_parent_outside_the_subtree(admin_client):
    root = CategoryFactory(slug="root")
    a = CategoryFactory(slug="a")
    CategoryFactory(slug="a-child", parent=a)

    response = save_in_admin(admin_client, a, root)

    assert response.status_code == 302
    a.refresh_from_db()
    assert a.parent == root


def test_model_clean_walks_the_whole_chain():
    a = CategoryFactory(slug="a")
    b = CategoryFactory(slug="b", parent=a)
    c = CategoryFactory(slug="c", parent=b)
    a.parent = c

    with pytest.raises(ValidationError) as raised:
        a.full_clean()

    assert "parent" in raised.value.message_dict
    assert Category.objects.get(pk=a.pk).parent is None
