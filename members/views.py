"""Account pages: sign-up, settings, member profiles."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.http import Http404, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse, reverse_lazy
from django.utils.http import urlencode
from django.views.decorators.http import require_POST
from django.views.generic import CreateView, View

from core import ratelimit
from core.http import safe_next, too_many, wants_json
from core.templatetags.site import compact, figure
from frameworks.models import Decision, Framework, with_members

from . import selectors, services
from .forms import (
    EMAIL_TAKEN,
    CommentForm,
    DeleteAccountForm,
    EmailForm,
    LimitedPasswordChangeForm,
    ProfileForm,
    ReportForm,
    SignupForm,
    StackEntryForm,
)
from .models import COMMENT_EDIT_MINUTES, Comment, Profile, StackEntry


class SignupView(CreateView):
    form_class = SignupForm
    template_name = "registration/signup.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            return HttpResponseRedirect(safe_next(request, reverse("home")))
        return super().dispatch(request, *args, **kwargs)

    def post(self, request, *args, **kwargs):
        # Two limits per address: a generous one on attempts (typos included),
        # and SIGNUP_RATE on accounts created, counted first and refunded when
        # no account results, so parallel sign-ups cannot slip past it.
        address = ratelimit.client_ip(request)
        retry_after = ratelimit.hit("signup-attempt", address, settings.SIGNUP_ATTEMPT_RATE)
        if retry_after:
            return too_many(request, retry_after, "Too many sign-up attempts. Try again later.")
        retry_after = ratelimit.hit("signup", address, settings.SIGNUP_RATE)
        if retry_after:
            ratelimit.refund("signup", address, settings.SIGNUP_RATE)
            return too_many(request, retry_after, "Too many sign-ups from here. Try again later.")
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        user = form.save()
        if user is None:  # taken a moment ago by a parallel sign-up
            return self.form_invalid(form)
        login(self.request, user, backend="core.backends.MemberBackend")
        messages.success(self.request, f"Welcome, {user.username}! You can vote now.")
        return HttpResponseRedirect(safe_next(self.request, reverse("home")))

    def form_invalid(self, form):
        # No account: this attempt does not count towards SIGNUP_RATE.
        ratelimit.refund("signup", ratelimit.client_ip(self.request), settings.SIGNUP_RATE)
        return self.render_to_response(self.get_context_data(form=form), status=400)

    def get_context_data(self, **kwargs):
        return super().get_context_data(next=safe_next(self.request, ""), **kwargs)


class PasswordResetView(auth_views.PasswordResetView):
    """Asks for an email and sends a single-use link that expires after
    PASSWORD_RESET_TIMEOUT. Known and unknown addresses get the same answer
    (Django sends nothing for an unknown one), so the form reveals nobody.
    Rate-limited per client address, so it cannot be used to flood an inbox."""

    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def post(self, request, *args, **kwargs):
        retry_after = ratelimit.hit(
            "password-reset", ratelimit.client_ip(request), settings.PASSWORD_RESET_RATE
        )
        if retry_after:
            return too_many(
                request, retry_after, "Too many reset requests from here. Try again later."
            )
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"

    def get_context_data(self, **kwargs):
        hours = max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)
        return super().get_context_data(timeout_hours=hours, **kwargs)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


# --- Settings -------------------------------------------------------------------


def _profile_of(user):
    """The member's profile, or an unsaved one (accounts get theirs on first save)."""
    try:
        return user.profile
    except Profile.DoesNotExist:
        return Profile(user=user)


class SettingsView(LoginRequiredMixin, View):
    """Headline and email on one page; password and deletion on their own."""

    template_name = "members/settings.html"

    def forms(self, data=None, which=None):
        user = self.request.user
        return {
            "profile_form": ProfileForm(
                data if which == "profile" else None, instance=_profile_of(user), prefix="profile"
            ),
            "email_form": EmailForm(
                data if which == "email" else None, member=user, prefix="email"
            ),
            "stack": list(
                StackEntry.objects.filter(user=user)
                .select_related("framework")
                .order_by("framework__name")
            ),
        }

    def render(self, forms, status=200):
        return render(self.request, self.template_name, forms, status=status)

    def get(self, request):
        return self.render(self.forms())

    def post(self, request):
        which = request.POST.get("form")
        if which not in ("profile", "email"):
            return self.render(self.forms(), status=400)
        forms = self.forms(request.POST, which)
        form = forms[f"{which}_form"]
        if not form.is_valid():
            return self.render(forms, status=400)
        if which == "profile":
            form.save()
            messages.success(request, "Your profile is saved.")
        else:
            user = request.user
            user.email = form.cleaned_data["email"]
            try:
                with transaction.atomic():
                    user.save(update_fields=["email"])
            except IntegrityError:  # taken a moment ago (unique in any case: 0006)
                form.add_error("email", EMAIL_TAKEN)
                return self.render(forms, status=400)
            messages.success(request, "Your email address is changed.")
        return redirect("settings")


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's view (it keeps the member signed in), the site's page."""

    template_name = "registration/password_change.html"
    success_url = reverse_lazy("settings")
    form_class = LimitedPasswordChangeForm

    def form_valid(self, form):
        messages.success(self.request, "Your new password is saved.")
        return super().form_valid(form)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class DeleteAccountView(LoginRequiredMixin, View):
    template_name = "members/delete_account.html"

    def get(self, request):
        form = DeleteAccountForm(member=request.user)
        return render(request, self.template_name, {"form": form})

    def post(self, request):
        form = DeleteAccountForm(request.POST, member=request.user)
        if not form.is_valid():
            return render(request, self.template_name, {"form": form}, status=400)
        user = request.user
        logout(request)
        services.delete_member(user, keep_posts=form.cleaned_data["posts"] == form.KEEP)
        messages.success(request, "Your account is deleted. Goodbye!")
        return redirect("home")


# --- Profiles -------------------------------------------------------------------


class MemberDetailView(View):
    """A member's page: headline and posts. Their votes stay private."""

    template_name = "members/member_detail.html"

    def get(self, request, username):
        page = selectors.member_page(username, viewer=request.user)
        if page is None:
            raise Http404("We have no member of that name.")
        return render(request, self.template_name, {"page": page, "member": page.member})


# --- Follows and stacks -------------------------------------------------------------


def _login_first(request, fallback, message):
    login_url = f"{reverse('login')}?{urlencode({'next': safe_next(request, fallback)})}"
    if wants_json(request):
        return JsonResponse({"error": message, "login_url": login_url}, status=401)
    return HttpResponseRedirect(login_url)


def _framework_or_404(slug):
    framework_id = services.published_framework_id(slug)
    if framework_id is None:
        raise Http404(f'We have no published framework called "{slug[:60]}".')
    return framework_id


@require_POST
def follow(request, slug):
    """Toggle following: JSON ``{followers, following}`` for fetch, a
    redirect back without JavaScript. ``followers`` is the count shown."""
    fallback = reverse("frameworks:detail", args=[slug])
    if not request.user.is_authenticated:
        return _login_first(request, fallback, "Log in to follow.")
    framework_id = _framework_or_404(slug)
    retry_after = ratelimit.hit("follow", request.user.pk, settings.FOLLOW_RATE)
    if retry_after:
        return too_many(request, retry_after, "You are following very fast. Wait a moment.")
    members, following = services.toggle_follow(user=request.user, framework_id=framework_id)
    if wants_json(request):
        baseline = Framework.objects.values_list("followers", flat=True).get(pk=framework_id)
        followers = with_members(baseline, members)
        # The figure the follow changed, as pages print it, for follow.js.
        figures = {figure("framework", framework_id, "followers"): compact(followers)}
        return JsonResponse({"followers": followers, "following": following, "figures": figures})
    return HttpResponseRedirect(safe_next(request, fallback))


@require_POST
def stack(request, slug):
    """Add the framework to the member's stack (or change its note) with
    ``note``; take it out with ``remove``. Without JavaScript it redirects
    back; for fetch it answers ``{stacks, in_stack}``."""
    fallback = reverse("frameworks:detail", args=[slug])
    if not request.user.is_authenticated:
        return _login_first(request, fallback, "Log in to edit your stack.")
    framework_id = _framework_or_404(slug)
    form = StackEntryForm(request.POST)
    if not form.is_valid():
        if wants_json(request):
            return JsonResponse({"error": form.errors.get_json_data()}, status=400)
        return render(request, "members/stack_error.html", {"form": form, "slug": slug}, status=400)
    retry_after = ratelimit.hit("stack", request.user.pk, settings.FOLLOW_RATE)
    if retry_after:
        return too_many(request, retry_after, "You are editing very fast. Wait a moment.")
    if form.cleaned_data["remove"]:
        members, _ = services.remove_from_stack(user=request.user, framework_id=framework_id)
        in_stack, message = False, "Taken out of your stack."
    else:
        members, _ = services.add_to_stack(
            user=request.user, framework_id=framework_id, note=form.cleaned_data["note"]
        )
        in_stack, message = True, "Saved in your stack."
    if wants_json(request):
        baseline = Framework.objects.values_list("stacks", flat=True).get(pk=framework_id)
        return JsonResponse({"stacks": with_members(baseline, members), "in_stack": in_stack})
    messages.success(request, message)
    return HttpResponseRedirect(safe_next(request, fallback))


# --- Comments ---------------------------------------------------------------------


def _comment_of(pk, user):
    """A comment on a published decision, readable by ``user``: a visible
    one, or their own held for review; curators read all."""
    comments = Comment.objects.select_related("decision").filter(
        decision__status=Decision.Status.APPROVED
    )
    if not user.is_staff:
        comments = comments.visible_to(user)
    comment = comments.filter(pk=pk).first()
    if comment is None:
        raise Http404("We have no such comment, or it is not shown.")
    return comment


def _render_comment_form(request, form, decision, comment=None, status=400):
    return render(
        request,
        "members/comment_form.html",
        {"form": form, "decision": decision, "comment": comment},
        status=status,
    )


@require_POST
def comment_create(request, pk):
    decision = get_object_or_404(Decision.objects.published(), pk=pk)
    if not request.user.is_authenticated:
        return _login_first(request, decision.get_absolute_url(), "Log in to comment.")
    form = CommentForm(request.POST)
    if not form.is_valid():
        return _render_comment_form(request, form, decision)
    retry_after = ratelimit.hit("comment", request.user.pk, settings.COMMENT_RATE)
    if retry_after:
        return too_many(
            request, retry_after, "You have commented a lot in a short time. Try again later."
        )
    held = services.comment_needs_review(request.user)
    comment = services.post_comment(
        decision=decision,
        author=request.user,
        body=form.cleaned_data["body"],
        status=Comment.Status.PENDING if held else Comment.Status.APPROVED,
    )
    if held:  # explained once, by the notice above the comments
        return HttpResponseRedirect(decision.get_absolute_url() + "#comments-held")
    messages.success(request, "Your comment is posted.")
    return HttpResponseRedirect(comment.get_absolute_url())


@login_required
def comment_edit(request, pk):
    comment = _comment_of(pk, request.user)
    if not comment.editable_by(request.user):
        raise PermissionDenied(
            f"A comment can be edited by its author for {COMMENT_EDIT_MINUTES} minutes."
        )
    if request.method == "POST":
        form = CommentForm(request.POST, instance=comment)
        if form.is_valid():
            retry_after = ratelimit.hit("comment-edit", request.user.pk, settings.COMMENT_RATE)
            if retry_after:
                return too_many(
                    request, retry_after, "You have edited a lot in a short time. Try again later."
                )
            services.edit_comment(comment, body=form.cleaned_data["body"])
            messages.success(request, "Your comment is saved.")
            return HttpResponseRedirect(comment.get_absolute_url())
        return _render_comment_form(request, form, comment.decision, comment)
    form = CommentForm(instance=comment)
    return _render_comment_form(request, form, comment.decision, comment, status=200)


@login_required
@require_POST
def comment_delete(request, pk):
    comment = _comment_of(pk, request.user)
    if comment.author_id != request.user.pk:
        raise PermissionDenied("Only its author can delete a comment.")
    services.delete_comment(comment)
    messages.success(request, "Your comment is deleted.")
    return HttpResponseRedirect(comment.decision.get_absolute_url() + "#comments")


@login_required
@require_POST
def comment_report(request, pk):
    comment = _comment_of(pk, request.user)
    form = ReportForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    retry_after = ratelimit.hit("report", request.user.pk, settings.COMMENT_RATE)
    if retry_after:
        return too_many(request, retry_after, "You have reported a lot. Try again later.")
    try:
        services.report_comment(comment=comment, reporter=request.user, reason=reason)
    except services.OwnComment as refused:
        return render(request, "400.html", {"message": str(refused)}, status=400)
    messages.success(request, "Thanks: a curator will look at this comment.")
    return HttpResponseRedirect(comment.get_absolute_url())
