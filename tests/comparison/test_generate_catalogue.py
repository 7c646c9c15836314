"""generate_catalogue: a synthetic catalogue with the shapes of a real one,
deterministic, that never writes into a real catalogue."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.db.models import Count, F, Q, Sum

from comparison import synthetic
from comparison.models import Assessment, Comparison, Criterion
from frameworks.models import Framework, ProCon, Vote
from members.models import Follow, StackEntry
from stats.models import StatSnapshot
from tests.factories import FrameworkFactory, UserFactory

pytestmark = pytest.mark.django_db


def generate(*extra):
    call_command("generate_catalogue", "--frameworks", "5", "--members", "30", *extra, verbosity=0)


def rows():
    return {
        model.__name__: model.objects.count()
        for model in (
            Framework,
            Assessment,
            ProCon,
            StatSnapshot,
            Comparison,
            Vote,
            Follow,
            StackEntry,
            get_user_model(),
        )
    }


def test_a_small_catalogue_has_every_shape():
    generate()

    frameworks = Framework.objects.all()
    assert frameworks.count() == 5
    assert {f.slug for f in frameworks} >= {"django", "flask"}
    assert all(synthetic.is_synthetic_website(f.website) for f in frameworks)
    criteria = Criterion.objects.count()
    assert criteria == len(synthetic.CRITERIA)
    for framework in frameworks:
        assert framework.assessments.count() == criteria  # every criterion
        assert framework.procons.filter(kind="pro").count() == 5
        assert framework.procons.filter(kind="con").count() == 5
        assert framework.snapshots.count() == 11
        assert framework.alternatives.exists()
    assert Comparison.objects.published().filter(slug="django-vs-flask").exists()
    assert get_user_model().objects.count() == 30
    assert Vote.objects.exists() and Follow.objects.exists() and StackEntry.objects.exists()


def test_counters_equal_their_rows():
    generate()

    votes = ProCon.objects.annotate(rows=Count("votes"))
    assert not votes.exclude(votes_count=F("baseline_votes") + F("rows")).exists()
    assert votes.filter(rows__gt=0).exists()
    for framework in Framework.objects.annotate(
        follows_n=Count("follows", distinct=True), stacks_n=Count("stack_entries", distinct=True)
    ):
        assert framework.member_followers == framework.follows_n
        assert framework.member_stacks == framework.stacks_n
    summed = Framework.objects.annotate(
        summed=Sum("procons__votes_count", filter=Q(procons__status=ProCon.Status.APPROVED))
    )
    assert not summed.exclude(votes_count=F("summed")).exists()
    assert summed.filter(votes_count__gt=0).exists()


def test_the_count_shown_is_the_files(tmp_path):
    """Members' votes come out of the baseline, as an import does: the site
    shows each item's count from the file."""
    generate("--output", str(tmp_path / "synthetic.json"))
    document = json.loads((tmp_path / "synthetic.json").read_text())

    call_command("export_catalogue", str(tmp_path / "export.json"), verbosity=0)

    exported = json.loads((tmp_path / "export.json").read_text())

    def votes(doc):
        return {
            (f["slug"], key, item["text"]): item["votes"]
            for f in doc["frameworks"]
            for key in ("pros", "cons")
            for item in f[key]
        }

    assert votes(exported) == votes(document)


def test_the_same_seed_gives_the_same_catalogue():
    assert synthetic.catalogue(40, seed=1) == synthetic.catalogue(40, seed=1)
    assert synthetic.catalogue(40, seed=1) != synthetic.catalogue(40, seed=2)
    names = synthetic.names(2000)
    assert len(set(names)) == len({synthetic.slugify(n) for n in names}) == 2000


def test_running_it_again_changes_nothing():
    generate()
    before = rows()
    counts = dict(ProCon.objects.values_list("pk", "votes_count"))

    generate()

    assert rows() == before
    assert dict(ProCon.objects.values_list("pk", "votes_count")) == counts


@pytest.mark.parametrize(
    "real",
    [lambda: FrameworkFactory(), lambda: UserFactory(username="alice")],
    ids=["a framework", "a member"],
)
def test_a_real_catalogue_is_refused_and_left_alone(real):
    real()
    before = rows()

    with pytest.raises(CommandError, match="not synthetic") as raised:
        generate()

    assert "\n" not in str(raised.value)
    assert rows() == before


def test_the_file_alone_leaves_the_database_alone(tmp_path):
    FrameworkFactory()
    before = rows()

    generate("--output", str(tmp_path / "synthetic.json"), "--file-only")

    assert rows() == before
    document = json.loads((tmp_path / "synthetic.json").read_text())
    assert len(document["frameworks"]) == 5
