"""The demo loader: safe to re-run, true to its seed data, kind to curators."""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.core.validators import URLValidator

from comparison.models import (
    Assessment,
    Comparison,
    ComparisonEntry,
    Criterion,
    Difference,
)
from comparison.services import set_comparison_frameworks
from frameworks.models import Category, Decision, Framework, ProCon, Vote
from frameworks.services import toggle_vote
from members.models import Profile
from tests.factories import ComparisonFactory, UserFactory

pytestmark = pytest.mark.django_db

MODELS = [
    Category,
    Framework,
    ProCon,
    Vote,
    Criterion,
    Assessment,
    Comparison,
    ComparisonEntry,
    Difference,
    Decision,
    Profile,
    get_user_model(),
]

#: Frameworks the catalogue assesses on every criterion.
FULLY_ASSESSED = ["django", "flask", "fastapi", "pyramid", "tornado", "bottle"]


def load(*args):
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def snapshot():
    return {
        "counts": {model.__name__: model.objects.count() for model in MODELS},
        "procons": sorted(
            ProCon.objects.values_list("framework__slug", "kind", "text", "votes_count")
        ),
        "frameworks": sorted(
            Framework.objects.values_list("slug", "tagline", "github_stars", "stacks")
        ),
        "entries": sorted(
            ComparisonEntry.objects.values_list("comparison__slug", "framework__slug", "position")
        ),
        "alternatives": sorted(Framework.alternatives.through.objects.values_list("pk")),
        "decision_frameworks": Decision.frameworks.through.objects.count(),
    }


def test_running_twice_changes_nothing():
    load()
    first = snapshot()
    assert all(first["counts"][name] for name in ("Framework", "ProCon", "Difference"))

    output = load()

    assert snapshot() == first
    assert "0 created, 0 updated" in output


def test_seed_statistics(demo):
    django = Framework.objects.get(slug="django")
    flask = Framework.objects.get(slug="flask")

    assert (django.github_stars, django.github_forks) == (85600, 33200)
    assert (django.stacks, django.followers) == (38700, 34800)
    assert flask.github_stars is None
    assert flask.github_forks is None
    assert flask.stacks == 19300
    assert flask.stats_as_of is not None


def test_seed_votes(demo):
    rapid = ProCon.objects.get(
        framework__slug="django", kind=ProCon.Kind.PRO, text="Rapid development"
    )

    assert rapid.baseline_votes == rapid.votes_count == 678
    assert not Vote.objects.exists()
    assert not ProCon.objects.exclude(status=ProCon.Status.APPROVED).exists()


def test_seed_comparisons(demo):
    comparison = Comparison.objects.with_frameworks().get(slug="django-vs-flask")
    three_way = Comparison.objects.with_frameworks().get(slug="django-vs-laravel-vs-nodejs")

    assert comparison.is_published
    assert [f.slug for f in comparison.ordered_frameworks()] == ["django", "flask"]
    assert list(comparison.differences.values_list("criterion__slug", "position")) == [
        ("framework-type", 1),
        ("scalability", 2),
        ("community-ecosystem", 3),
        ("learning-curve", 4),
        ("url-routing", 5),
        ("template-engine", 6),
    ]
    assert three_way.is_published
    assert [f.slug for f in three_way.ordered_frameworks()] == ["django", "laravel", "nodejs"]
    assert comparison.get_absolute_url() == "/compare/django-vs-flask/"


def test_seed_assessments_cover_every_criterion(demo):
    criteria = set(Criterion.objects.values_list("pk", flat=True))
    assert len(criteria) == 11

    for slug in FULLY_ASSESSED:
        assessed = set(
            Assessment.objects.filter(framework__slug=slug).values_list("criterion", flat=True)
        )
        assert assessed == criteria, slug


def test_every_demo_assessment_names_a_public_source(demo):
    """Every cell the demo shows links to where a reader can check it."""
    validate = URLValidator(schemes=["https"])
    assessments = Assessment.objects.select_related("framework", "criterion")

    assert assessments.exists()
    for assessment in assessments:
        assert assessment.source_url, f"{assessment} has no source"
        validate(assessment.source_url)


def test_seed_members_and_decisions(demo):
    members = get_user_model().objects.filter(username__in=["sandeep", "alvaro", "sachin"])

    assert members.count() == 3
    assert not any(member.has_usable_password() for member in members)
    assert not any(member.is_staff or member.is_superuser for member in members)
    assert Profile.objects.get(user__username="alvaro").headline.startswith("Software")
    assert Decision.objects.count() == 3
    decision = Decision.objects.get(author__username="sandeep")
    assert decision.views_count == 599000
    assert sorted(decision.frameworks.values_list("slug", flat=True)) == [
        "django",
        "flask",
        "nodejs",
        "python",
    ]


def test_curator_edit_survives_a_rerun_and_update_overwrites_it(demo):
    Framework.objects.filter(slug="django").update(tagline="Edited by a curator.")

    load()
    assert Framework.objects.get(slug="django").tagline == "Edited by a curator."

    load("--update")
    assert Framework.objects.get(slug="django").tagline.startswith("Batteries-included")


def test_deleted_pro_comes_back(demo):
    ProCon.objects.filter(framework__slug="django", text="Rapid development").delete()

    load()

    rapid = ProCon.objects.get(framework__slug="django", text="Rapid development")
    assert (rapid.baseline_votes, rapid.votes_count) == (678, 678)


def test_deleted_comparison_comes_back_published(demo):
    Comparison.objects.filter(slug="django-vs-flask").delete()

    load()

    comparison = Comparison.objects.with_frameworks().get(slug="django-vs-flask")
    assert comparison.is_published
    assert [f.slug for f in comparison.ordered_frameworks()] == ["django", "flask"]
    assert comparison.differences.count() == 6


def test_member_votes_survive_reruns(demo):
    rapid = ProCon.objects.get(framework__slug="django", text="Rapid development")
    toggle_vote(user=UserFactory(), procon_id=rapid.pk)

    load()
    load("--update")

    rapid.refresh_from_db()
    assert rapid.votes_count == 679 == rapid.baseline_votes + rapid.votes.count()


def test_update_after_baseline_edit_keeps_member_votes(demo):
    rapid = ProCon.objects.get(framework__slug="django", text="Rapid development")
    toggle_vote(user=UserFactory(), procon_id=rapid.pk)
    ProCon.objects.filter(pk=rapid.pk).update(baseline_votes=10, votes_count=11)

    load("--update")

    rapid.refresh_from_db()
    assert (rapid.baseline_votes, rapid.votes_count) == (678, 679)


def test_update_restores_a_lowered_baseline(demo):
    ProCon.objects.filter(framework__slug="django", text="Rapid development").update(
        baseline_votes=10, votes_count=10
    )

    load("--update")

    rapid = ProCon.objects.get(framework__slug="django", text="Rapid development")
    assert (rapid.baseline_votes, rapid.votes_count) == (678, 678)


def test_unreadable_file_is_a_command_error(tmp_path):
    broken = tmp_path / "broken.toml"
    broken.write_text("[[frameworks]\n")

    with pytest.raises(CommandError, match="Cannot read"):
        call_command("load_demo", "--file", str(broken))
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("load_demo", "--file", str(tmp_path / "missing.toml"))


def test_invalid_entry_rolls_everything_back(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[[categories]]\nslug = "web"\nname = "Web"\n\n'
        '[[frameworks]]\nslug = "django-vs-flask"\nname = "Bad"\ncategory = "web"\n'
    )

    with pytest.raises(CommandError):
        call_command("load_demo", "--file", str(bad))

    assert not Category.objects.exists()
    assert not Framework.objects.exists()


def test_load_demo_survives_a_renamed_framework_slug(demo):
    Framework.objects.filter(slug="nodejs").update(slug="node-js")
    call_command("load_demo", verbosity=0)
    assert Framework.objects.filter(name="Node.js").count() == 1
    assert not Framework.objects.filter(slug="nodejs").exists()


def test_load_demo_leaves_a_curators_own_comparison_of_the_set(demo):
    Comparison.objects.filter(slug="django-vs-flask").delete()
    own = ComparisonFactory(slug="flask-or-django", is_published=False, frameworks=[])
    set_comparison_frameworks(
        own, [Framework.objects.get(slug="flask"), Framework.objects.get(slug="django")]
    )
    call_command("load_demo", verbosity=0)
    assert not Comparison.objects.filter(slug="django-vs-flask").exists()
    assert Comparison.objects.published().filter(slug="flask-or-django").exists()
