"""Which cached pages a change to criteria, assessments or curated
comparisons reaches (comparison/cache.py). See the catalogue's twin file for
how the ``cached_pages`` fixture works."""

import pytest
from django.test import Client

from comparison.models import Assessment, Comparison, Criterion, Difference
from comparison.services import set_comparison_frameworks
from frameworks.models import Framework

pytestmark = pytest.mark.django_db

COMPARISON_PAGES = {
    "django vs flask",
    "django vs flask, sources",
    "fastapi vs flask",
    "django vs laravel vs nodejs",
}
FRAMEWORK_PAGES = {"django", "flask", "bottle"}


def test_editing_a_criterion_reaches_every_comparison(cached_pages, committed):
    criterion = Criterion.objects.get(slug="url-routing")
    criterion.name = "Routing"
    committed(criterion.save)
    # Framework pages list their assessments under the criteria's names.
    assert cached_pages() == COMPARISON_PAGES | FRAMEWORK_PAGES
    assert "Routing" in Client().get("/compare/django-vs-flask/").content.decode()


def test_editing_flasks_assessment_reaches_the_comparisons_with_flask(cached_pages, committed):
    cell = Assessment.objects.get(framework__slug="flask", criterion__slug="url-routing")
    cell.summary = "Decorators put each route beside its view."
    committed(cell.save)
    stale = cached_pages()
    assert {"django vs flask", "fastapi vs flask"} <= stale
    assert "django vs laravel vs nodejs" not in stale
    assert "django" not in stale
    html = Client().get("/compare/fastapi-vs-flask/").content.decode()
    assert "Decorators put each route beside its view." in html


def test_editing_a_curated_comparison_reaches_pages_that_list_comparisons(cached_pages, committed):
    comparison = Comparison.objects.get(slug="django-vs-flask")
    comparison.title = "Django or Flask?"
    committed(comparison.save)
    stale = cached_pages()
    assert {"compare index", "django vs flask", "django", "flask"} <= stale
    # The home page lists comparisons only in its trending hole: the page
    # stays cached and the hole shows the new title (cached_pages checks
    # every page equals a fresh render).
    assert "home" not in stale
    assert "Django or Flask?" in Client().get("/").content.decode()


def test_editing_a_difference_reaches_its_comparison(cached_pages, committed):
    difference = Difference.objects.filter(comparison__slug="django-vs-flask").first()
    difference.text = "Edited difference text for the test."
    committed(difference.save)
    assert "django vs flask" in cached_pages()
    html = Client().get("/compare/django-vs-flask/").content.decode()
    assert "Edited difference text for the test." in html


def test_a_new_curated_comparison_replaces_a_generated_page(cached_pages, committed):
    def curate():
        comparison = Comparison(
            title="FastAPI or Flask", slug="fastapi-or-flask", intro="Two APIs."
        )
        frameworks = Framework.objects.filter(slug__in=["fastapi", "flask"]).order_by("slug")
        set_comparison_frameworks(comparison, frameworks)

    committed(curate)
    assert "fastapi vs flask" in cached_pages()
    assert "Two APIs." in Client().get("/compare/fastapi-vs-flask/").content.decode()


def test_an_import_that_changes_flask_reaches_its_pages(cached_pages, committed, tmp_path):
    """The import writes in bulk (no model signals); it names the pages itself."""
    from django.core.management import call_command

    from comparison import catalogue_io

    path = tmp_path / "catalogue.json"
    call_command("export_catalogue", str(path), verbosity=0)
    document = __import__("json").loads(path.read_text())
    flask = next(f for f in document["frameworks"] if f["slug"] == "flask")
    flask["tagline"] = "Imported tagline"
    flask["assessments"][0]["summary"] = "Imported summary."
    flask["pros"][0]["votes"] += 7

    committed(catalogue_io.import_catalogue, catalogue_io.dumps(document))

    stale = cached_pages()  # and every page equals a fresh render
    assert {"flask", "django vs flask", "fastapi vs flask"} <= stale
    assert "Imported tagline" in Client().get("/frameworks/flask/").content.decode()


def test_importing_the_same_file_again_leaves_every_page_cached(cached_pages, committed, tmp_path):
    from django.core.management import call_command

    path = tmp_path / "catalogue.json"
    call_command("export_catalogue", str(path), verbosity=0)

    committed(call_command, "import_catalogue", str(path), verbosity=0)

    assert cached_pages() == set()
