"""Account pages: sign-up, settings, member profiles."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.views.generic import CreateView

from core import ratelimit
from core.http import safe_next, too_many

from .forms import SignupForm


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
        login(self.request, user, backend="django.contrib.auth.backends.ModelBackend")
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
