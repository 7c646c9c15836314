"""An authentication backend that limits failed log-ins per client address.

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
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.utils.timezone import now

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
