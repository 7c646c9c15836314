"""An item's votes page shows its weekly table only when members voted in
those weeks; otherwise it says so, instead of a table of twelve zeros."""

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from frameworks.models import ProCon
from tests.factories import FrameworkFactory, ProConFactory, UserFactory, VoteFactory
from tests.frameworks.test_vote_transparency import add_votes

pytestmark = pytest.mark.django_db


def main(client, item):
    response = client.get(f"/procons/{item.pk}/votes/")
    assert response.status_code == 200
    return response.content.decode().split("<main", 1)[1]


def test_no_member_votes_is_a_sentence_not_a_table_of_zeros(client):
    item = ProConFactory(framework=FrameworkFactory(slug="flask"), baseline_votes=4, votes_count=4)

    page = main(client, item)

    assert "<table" not in page
    assert "No member has voted on this item in the last 12 weeks." in page
    assert "4 = 4 imported + 0 from members" in page


def test_older_member_votes_are_said_to_be_older(client):
    item = ProConFactory(framework=FrameworkFactory(slug="flask"), baseline_votes=1, votes_count=1)
    long_ago = timezone.now() - timedelta(weeks=30)
    add_votes(item, 2, at=long_ago)
    ProCon.objects.filter(pk=item.pk).update(votes_count=3)

    page = main(client, item)

    assert "<table" not in page
    assert (
        "No member has voted on this item in the last 12 weeks; its 2 member votes are older."
        in page
    )


def test_recent_votes_show_the_table_of_weeks(client):
    item = ProConFactory(framework=FrameworkFactory(slug="flask"))
    VoteFactory(procon=item, user=UserFactory())

    page = main(client, item)

    rows = re.findall(r'<tr><th scope="row">(.*?)</th><td class="num">(\d+)</td></tr>', page)
    assert len(rows) == 12
    assert rows[-1][1] == "1"
    assert re.fullmatch(r"\d{1,2} [A-Z][a-z]{2} \d{4}", rows[0][0])  # "1 Jun 2025"
    assert "No member has voted" not in page
