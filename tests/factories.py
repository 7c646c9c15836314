import datetime

import factory
from django.contrib.auth import get_user_model

from comparison.models import Assessment, Comparison, Criterion, Difference
from comparison.services import set_comparison_frameworks
from comparison.suggestions import EditSuggestion
from frameworks import services
from frameworks.models import Category, Decision, Framework, ProCon, Vote
from stats.models import Advisory, ReleaseSeries, StatSnapshot


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ["username"]

    username = factory.Sequence(lambda n: f"member{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.django.Password("correct horse battery staple")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    name = factory.Sequence(lambda n: f"Category {n}")
    slug = factory.Sequence(lambda n: f"category-{n}")


class FrameworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Framework

    name = factory.Sequence(lambda n: f"Framework {n}")
    slug = factory.Sequence(lambda n: f"framework-{n}")
    category = factory.SubFactory(CategoryFactory)
    tagline = "A framework for tests."
    description = "Used by the test suite."
    language = "Python"
    license = "MIT"


class ProConFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProCon

    framework = factory.SubFactory(FrameworkFactory)
    kind = ProCon.Kind.PRO
    text = factory.Sequence(lambda n: f"Point {n}")
    baseline_votes = 0
    votes_count = factory.LazyAttribute(lambda p: p.baseline_votes)
    status = ProCon.Status.APPROVED

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        """Saved as the admin and the import save one: its framework's
        ``votes_count`` counts it."""
        procon = super()._create(model_class, *args, **kwargs)
        services.recount_framework_votes([procon.framework_id])
        return procon


class VoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Vote

    user = factory.SubFactory(UserFactory)
    procon = factory.SubFactory(ProConFactory)


class CriterionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Criterion

    name = factory.Sequence(lambda n: f"Criterion {n}")
    slug = factory.Sequence(lambda n: f"criterion-{n}")
    position = factory.Sequence(lambda n: n)


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    framework = factory.SubFactory(FrameworkFactory)
    criterion = factory.SubFactory(CriterionFactory)
    summary = "Assessed for the tests."


class ComparisonFactory(factory.django.DjangoModelFactory):
    """A published comparison; pass ``frameworks=[...]`` (2 to 4)."""

    class Meta:
        model = Comparison
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Comparison {n}")
    slug = factory.Sequence(lambda n: f"comparison-{n}")
    intro = "An introduction."
    summary = "A summary."
    is_published = False

    @factory.post_generation
    def frameworks(self, create, extracted, **kwargs):
        frameworks = extracted or [FrameworkFactory(), FrameworkFactory()]
        set_comparison_frameworks(self, frameworks)
        self.is_published = True
        self.save()


class DifferenceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Difference

    comparison = factory.SubFactory(ComparisonFactory)
    criterion = factory.SubFactory(CriterionFactory)
    text = "They differ."
    position = factory.Sequence(lambda n: n)


class DecisionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Decision
        skip_postgeneration_save = True

    author = factory.SubFactory(UserFactory)
    kind = Decision.Kind.NEEDS_ADVICE
    title = factory.Sequence(lambda n: f"Which framework first? ({n})")
    body = "Which one should I learn first?"

    @factory.post_generation
    def frameworks(self, create, extracted, **kwargs):
        if extracted:
            self.frameworks.set(extracted)


def decision_form_data(frameworks, **fields):
    """What the decision form posts: a title, the frameworks typed by name
    into its boxes (``framework_1``...), ``fields`` over the defaults."""
    data = {"kind": "needs_advice", "title": "Which one for a small CRM?", "body": "Any advice?"}
    data.update({f"framework_{n}": f.name for n, f in enumerate(frameworks, 1)})
    return {**data, **fields}


class StatSnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StatSnapshot

    framework = factory.SubFactory(FrameworkFactory)
    metric = StatSnapshot.Metric.GITHUB_STARS
    day = factory.Sequence(lambda n: datetime.date(2025, 1, 1) + datetime.timedelta(days=n))
    value = 1000
    source = "GitHub API"


def stacks_suggestion():
    """A pending suggestion that a framework's stacks figure is 99, not 10."""
    return EditSuggestion.objects.create(
        framework=FrameworkFactory(stacks=10),
        target=EditSuggestion.Target.STATISTIC,
        statistic="stacks",
        value=99,
        reason="New figure.",
        evidence_url="https://example.org/evidence",
        snapshot={"value": 10},
        author=UserFactory(),
    )


class ReleaseSeriesFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ReleaseSeries

    framework = factory.SubFactory(FrameworkFactory)
    name = factory.Sequence(lambda n: f"{n + 1}.0")
    source = "endoflife.date"
    source_url = "https://endoflife.date/django"


class AdvisoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Advisory

    series = factory.SubFactory(ReleaseSeriesFactory)
    osv_id = factory.Sequence(lambda n: f"PYSEC-2026-{n + 1}")
    severity = Advisory.Severity.HIGH
    summary = "A vulnerability for tests."
