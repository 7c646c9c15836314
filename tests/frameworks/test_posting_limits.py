"""Members cannot flood the site: decisions and pro/con suggestions are
rate-limited per member (DECISION_RATE, SUGGESTION_RATE)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from frameworks.models import Decision, ProCon
from tests.factories import FrameworkFactory, UserFactory, decision_form_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def framework():
    return FrameworkFactory(slug="django", name="Django")


def logged_in(user=None):
    client = Client()
    client.force_login(user or UserFactory(date_joined=timezone.now() - timedelta(days=30)))
    return client


def post_decision(client, framework, n):
    return client.post(
        reverse("frameworks:decision_create"),
        decision_form_data([framework], body=f"Question {n}"),
    )


def suggest(client, framework, n):
    return client.post(
        reverse("frameworks:suggest", args=[framework.slug]), {"kind": "pro", "text": f"Point {n}"}
    )


def test_twelve_decisions_in_a_row_are_cut_off(framework, settings, frozen_ratelimit_clock):
    settings.DECISION_RATE = "5/h"
    client = logged_in()

    statuses = [post_decision(client, framework, n).status_code for n in range(12)]

    assert statuses == [302] * 5 + [429] * 7
    assert Decision.objects.count() == 5
    limited = post_decision(client, framework, 99)
    assert int(limited["Retry-After"]) > 0
    # Another member is not affected.
    assert post_decision(logged_in(), framework, 100).status_code == 302


def test_twelve_suggestions_in_a_row_are_cut_off(framework, settings, frozen_ratelimit_clock):
    settings.SUGGESTION_RATE = "10/h"
    client = logged_in(UserFactory())

    statuses = [suggest(client, framework, n).status_code for n in range(12)]

    assert statuses == [302] * 10 + [429] * 2
    assert ProCon.objects.count() == 10
    assert suggest(logged_in(UserFactory()), framework, 100).status_code == 302


def test_refused_forms_do_not_use_up_the_limit(framework, settings, frozen_ratelimit_clock):
    settings.SUGGESTION_RATE = "2/h"
    client = logged_in(UserFactory())
    url = reverse("frameworks:suggest", args=[framework.slug])

    for _ in range(5):
        assert client.post(url, {"kind": "pro", "text": " "}).status_code == 400

    assert [suggest(client, framework, n).status_code for n in range(3)] == [302, 302, 429]
