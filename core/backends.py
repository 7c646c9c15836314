"""Authentication backends: one that limits failed log-ins per client
address, and the one that signs members in (``MemberBackend``).

django-axes locks a username + address pair out after a few failures, so a
stranger cannot lock a member out from the member's own address. Left at
that, one address could try a few passwords against every account. This
backend, listed before axes, refuses every log-in (even a right password)
from an address whose failures across all usernames reached
``LOGIN_ADDRESS_FAILURE_LIMIT`` within axes' cool-off period. It counts
axes' own failure records, so both limits share one store and one clock.
"""

from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from django.utils.timezone import now

from core import rows
from core.ratelimit import client_ip


def address_failures(request):
    """Failed log-ins from the request's client address within the cool-off."""
    return (
        AccessAttempt.objects.filter(
            ip_address=client_ip(request), attempt_time__gte=now() - get_cool_off(request)
        ).aggregate(total=Sum("failures_since_start"))["total"]
        or 0
    )


class AddressLockoutBackend:
    """Only refuses; never returns a user. No ``get_user`` either, so that
    ``login()`` and ``force_login()`` never record it as a session's backend
    (as axes' own backend)."""

    def authenticate(self, request, **credentials):
        if request is None:
            return None
        if address_failures(request) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
            # axes' middleware turns the flag into its 429 page; the flag of
            # our own tells the page which limit it was.
            request.axes_locked_out = True
            request.login_address_locked_out = True
            raise PermissionDenied("Too many failed log-ins from this address.")
        return None


class MemberBackend(ModelBackend):
    """Django's ModelBackend, with the signed-in member read by one
    written-out statement (core.rows).

    Every signed-in request loads its member (``get_user``). Built with the
    ORM, that query cost a fifth of a vote's Python time under load. Log-ins
    are checked as ModelBackend checks them; a failed one is refused
    outright (``PermissionDenied``), so that ModelBackend, listed after this
    backend only to keep sessions signed in before it existed, never hashes
    the password a second time.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        user = super().authenticate(request, username, password, **kwargs)
        if user is None:
            raise PermissionDenied("Invalid credentials.")
        return user

    def get_user(self, user_id):
        model = get_user_model()
        pk = model._meta.pk
        try:
            user_id = pk.to_python(user_id)
        except ValidationError:
            return None
        user = rows.first(model, ((pk.name, "="),), [user_id])
        return user if user is not None and self.user_can_authenticate(user) else None
