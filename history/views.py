"""The public history of frameworks and comparisons (their Changes pages)
and watching them."""

from dataclasses import dataclass

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import BadRequest
from django.http import (
    Http404,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import urlencode
from django.views.decorators.http import require_POST
from django.views.generic import View

from comparison import addresses
from comparison.cache import COMPARISONS, changes_tags
from comparison.models import compare_path, framework_set_key
from comparison.selectors import canonical_set, curated_set
from comparison.views import canonical_slugs, compare_not_found
from core import ratelimit
from core.cache import depends_on
from core.http import safe_next, too_many, wants_json
from frameworks import cache as catalogue_tags
from frameworks.models import Framework

from . import changes
from .services import toggle_watch


@dataclass
class Crumb:
    """A breadcrumb link to a page that is no model (a comparison)."""

    name: str
    url: str

    def get_absolute_url(self):
        return self.url


def since_param(request):
    """The ``since`` query parameter (a member's last visit, from the
    "changes since your last visit" link); a 400 page when malformed."""
    try:
        return changes.parse_since(request.GET.get("since", ""))
    except (ValueError, OverflowError, OSError):
        raise BadRequest("The since parameter is a number of seconds.") from None


def resolve_or_redirect(slugs, route):
    """``(frameworks, curated comparison)`` of a compare address, or a
    redirect response to ``route`` at its canonical address. Raises
    CompareError."""
    resolved = canonical_set(slugs, curated=curated_set)
    if isinstance(resolved, addresses.Redirect):
        target = canonical_slugs(resolved)
        url = reverse(route, args=[target]) if target else resolved.url
        return HttpResponsePermanentRedirect(url)
    return resolved


class ComparisonChangesView(View):
    """``/compare/<slugs>/changes/``: what changed on the comparison page.

    The page shows the compared frameworks' columns, so their changes are
    listed; a curated comparison adds its own (title, texts, differences,
    framework set). A generated comparison has only the frameworks'."""

    def get(self, request, slugs):
        since = since_param(request)
        try:
            resolved = resolve_or_redirect(slugs, "comparison:changes")
        except addresses.CompareError as error:
            return compare_not_found(request, error, slugs)
        if isinstance(resolved, HttpResponse):
            return resolved
        frameworks, comparison = resolved
        ids = [f.pk for f in frameworks]
        depends_on(*changes_tags(ids, comparison), catalogue_tags.FRAMEWORKS, COMPARISONS)
        scope = changes.Scope.of_frameworks(ids, comparison)
        page_obj, change_list = changes.changes_page(scope, request.GET.get("page"), since)
        title = comparison.title if comparison else " vs ".join(f.name for f in frameworks)
        return render(
            request,
            "comparison/comparison_changes.html",
            {
                "title": title,
                "crumbs": [Crumb(title, compare_path(frameworks))],
                "page_url": compare_path(frameworks),
                "feed_url": reverse("comparison:feed", args=[slugs]),
                "is_curated": comparison is not None,
                "frameworks": frameworks,
                "changes": change_list,
                "page_obj": page_obj,
                "since": since,
            },
        )


@require_POST
def watch_comparison(request, slugs):
    """Start or stop watching a comparison page (no JavaScript needed)."""
    try:
        resolved = resolve_or_redirect(slugs, "comparison:detail")
    except addresses.CompareError:
        raise Http404("We cannot compare these frameworks.") from None
    if isinstance(resolved, HttpResponse):
        raise Http404("Watch the comparison at its own address.")
    frameworks, _ = resolved
    return watch_response(
        request, compare_path(frameworks), framework_key=framework_set_key(frameworks)
    )


def watch_response(request, page_url, **target):
    """The shared part of the watch toggles: sign-in, rate limit, answer."""
    if not request.user.is_authenticated:
        login_url = f"{reverse('login')}?{urlencode({'next': page_url})}"
        if wants_json(request):
            return JsonResponse({"error": "Log in to watch.", "login_url": login_url}, status=401)
        return HttpResponseRedirect(login_url)
    retry_after = ratelimit.hit("watch", request.user.pk, settings.WATCH_RATE)
    if retry_after:
        return too_many(request, retry_after, "You are toggling watches very fast. Wait a moment.")
    watching = toggle_watch(request.user, **target)
    if wants_json(request):
        return JsonResponse({"watching": watching})
    messages.success(
        request,
        "You are watching this page: changes since your visit are marked when you come back."
        if watching
        else "You no longer watch this page.",
    )
    return HttpResponseRedirect(safe_next(request, page_url))


class FrameworkChangesView(View):
    """``/frameworks/<slug>/changes/``: the framework's public history (its
    facts, statistics, pros and cons, assessments), newest first."""

    def get(self, request, slug):
        since = since_param(request)
        framework = Framework.objects.published().filter(slug=slug).first()
        if framework is None:
            raise Http404(f'We have no published framework called "{slug[:60]}".')
        depends_on(*changes_tags([framework.pk]))
        scope = changes.Scope.of_framework(framework)
        page_obj, change_list = changes.changes_page(scope, request.GET.get("page"), since)
        return render(
            request,
            "frameworks/framework_changes.html",
            {
                "framework": framework,
                "feed_url": reverse("frameworks:feed", args=[slug]),
                "changes": change_list,
                "page_obj": page_obj,
                "since": since,
            },
        )


@require_POST
def watch(request, slug):
    """Start or stop watching a framework's page (no JavaScript needed)."""
    framework = get_object_or_404(Framework.objects.published(), slug=slug)
    return watch_response(request, framework.get_absolute_url(), framework=framework)
