"""The catalogue's rules, enforced by the database itself.

Every write here goes through ``objects.create``/``update``, which skip model
validation, so a failure can only come from the database's constraints.
"""

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from frameworks.models import Category, Decision, Framework, ProCon, Vote
from tests.factories import (
    CategoryFactory,
    DecisionFactory,
    FrameworkFactory,
    ProConFactory,
    UserFactory,
    VoteFactory,
)

pytestmark = pytest.mark.django_db


def create_framework(slug, **kwargs):
    kwargs.setdefault("category", CategoryFactory())
    return Framework.objects.create(name=kwargs.pop("name", f"Name of {slug}"), slug=slug, **kwargs)


@pytest.mark.parametrize(
    "slug",
    ["django-vs-flask", "vs-django", "django-vs", "vs", "a-vs-b-vs-c"],
)
def test_database_refuses_framework_slug_with_compare_separator(slug):
    category = CategoryFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        create_framework(slug, category=category)
    assert not Framework.objects.filter(slug=slug).exists()


@pytest.mark.parametrize("slug", ["vscode", "django-vsx", "canvas-kit", "reverse-proxy"])
def test_database_accepts_slugs_that_only_look_like_the_separator(slug):
    create_framework(slug)

    assert Framework.objects.filter(slug=slug).exists()


@pytest.mark.parametrize(
    "slug", ["Bad Slug", "a--b", "-lead", "trail-", "Django", "snake_case", ""]
)
def test_database_refuses_invalid_framework_slug(slug):
    category = CategoryFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        create_framework(slug, category=category)


def test_database_refuses_framework_slug_changed_to_invalid_by_update():
    framework = FrameworkFactory(slug="django")

    with pytest.raises(IntegrityError), transaction.atomic():
        Framework.objects.filter(pk=framework.pk).update(slug="django-vs-flask")

    framework.refresh_from_db()
    assert framework.slug == "django"


def test_database_refuses_duplicate_framework_slug():
    create_framework("django", name="Django")

    with pytest.raises(IntegrityError), transaction.atomic():
        create_framework("django", name="Django again")
    assert Framework.objects.filter(slug="django").count() == 1


def test_database_refuses_framework_release_year_out_of_range():
    with pytest.raises(IntegrityError), transaction.atomic():
        create_framework("ancient", first_release_year=1900)


@pytest.mark.parametrize("slug", ["Web Frameworks", "web--frameworks", "web_frameworks", "-web"])
def test_database_refuses_invalid_category_slug(slug):
    with pytest.raises(IntegrityError), transaction.atomic():
        Category.objects.create(name="Web", slug=slug)
    assert not Category.objects.exists()


def test_database_refuses_category_as_its_own_parent():
    category = CategoryFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Category.objects.filter(pk=category.pk).update(parent=category)


def test_unknown_statistics_stay_null():
    framework = create_framework("flask", github_stars=None, stacks=19300)

    framework = Framework.objects.get(pk=framework.pk)
    assert framework.github_stars is None
    assert framework.github_forks is None
    assert framework.followers is None
    assert framework.stacks == 19300


def test_framework_statistic_of_zero_is_kept_as_zero():
    framework = create_framework("fresh", github_stars=0)

    assert Framework.objects.get(pk=framework.pk).github_stars == 0


# -- pros and cons ------------------------------------------------------------


def test_database_refuses_same_procon_text_in_other_case():
    procon = ProConFactory(text="Fast", kind=ProCon.Kind.PRO)

    with pytest.raises(IntegrityError), transaction.atomic():
        ProCon.objects.create(framework=procon.framework, kind=ProCon.Kind.PRO, text="fast")
    assert ProCon.objects.filter(framework=procon.framework).count() == 1


def test_database_refuses_same_procon_text_in_bulk_create():
    framework = FrameworkFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        ProCon.objects.bulk_create(
            [
                ProCon(framework=framework, kind=ProCon.Kind.CON, text="Slow"),
                ProCon(framework=framework, kind=ProCon.Kind.CON, text="SLOW"),
            ]
        )
    assert not ProCon.objects.exists()


def test_same_procon_text_is_allowed_for_other_kind_or_framework():
    procon = ProConFactory(text="Fast", kind=ProCon.Kind.PRO)
    other = FrameworkFactory()

    ProCon.objects.create(framework=procon.framework, kind=ProCon.Kind.CON, text="fast")
    ProCon.objects.create(framework=other, kind=ProCon.Kind.PRO, text="Fast")

    assert ProCon.objects.filter(text__iexact="fast").count() == 3


def test_database_refuses_empty_procon_text():
    framework = FrameworkFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        ProCon.objects.create(framework=framework, kind=ProCon.Kind.PRO, text="")


def test_database_refuses_votes_count_below_baseline():
    procon = ProConFactory(baseline_votes=5, votes_count=7)

    with pytest.raises(IntegrityError), transaction.atomic():
        ProCon.objects.filter(pk=procon.pk).update(votes_count=F("votes_count") - 10)

    procon.refresh_from_db()
    assert procon.votes_count == 7


def test_database_refuses_votes_count_below_a_raised_baseline():
    procon = ProConFactory(baseline_votes=5, votes_count=7)

    with pytest.raises(IntegrityError), transaction.atomic():
        ProCon.objects.filter(pk=procon.pk).update(baseline_votes=8)


def test_database_allows_votes_count_down_to_baseline():
    procon = ProConFactory(baseline_votes=5, votes_count=7)

    ProCon.objects.filter(pk=procon.pk).update(votes_count=F("votes_count") - 2)

    procon.refresh_from_db()
    assert procon.votes_count == procon.baseline_votes == 5


def test_database_refuses_second_vote_of_a_member():
    vote = VoteFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Vote.objects.create(user=vote.user, procon=vote.procon)
    assert Vote.objects.count() == 1


def test_other_members_and_other_items_can_be_voted():
    vote = VoteFactory()

    Vote.objects.create(user=UserFactory(), procon=vote.procon)
    Vote.objects.create(user=vote.user, procon=ProConFactory(framework=vote.procon.framework))

    assert Vote.objects.count() == 3


# -- decisions ----------------------------------------------------------------


def test_database_refuses_negative_decision_views():
    decision = DecisionFactory(views_count=3)

    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.filter(pk=decision.pk).update(views_count=F("views_count") - 10)

    decision.refresh_from_db()
    assert decision.views_count == 3


def test_database_refuses_empty_decision_body():
    with pytest.raises(IntegrityError), transaction.atomic():
        Decision.objects.create(author=UserFactory(), kind=Decision.Kind.DECIDED, body="")
