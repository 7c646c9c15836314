"""Logging filters that the settings' ``LOGGING`` names.

No Django imports here: ``django.setup()`` configures logging before it
loads the apps.
"""

import logging


class WithoutTraceback(logging.Filter):
    """Keep a record's message, drop its traceback.

    For ``django.security.DisallowedHost``: every request whose Host header
    is not in ``ALLOWED_HOSTS`` (scanners send them all day) is answered
    400 and logged at ERROR with the stack of whichever middleware first
    asked for the host. The message names the host, which is all an
    operator can act on; the stack is the same every time.
    """

    def filter(self, record):
        record.exc_info = None
        record.exc_text = None
        record.stack_info = None
        return True
