"""Members: what an account shows beside the catalogue.

Moved out of ``frameworks`` (migrations ``frameworks.0009`` and
``members.0001``): the rows and the table stay, only the app that owns them
changes.
"""

from django.conf import settings
from django.db import models

#: Username of the account that keeps the posts of members who deleted their
#: account and chose to leave them up. Nobody can sign up with it.
DELETED_MEMBER_USERNAME = "deleted-member"


class Profile(models.Model):
    """What a member shows next to their posts (e.g. "Engineer at Ripio")."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    headline = models.CharField(max_length=120, blank=True)
    is_demo = models.BooleanField(
        "demo author",
        default=False,
        help_text="A sample author made by load_demo (no password, cannot log in). "
        "Demo content is only ever attached to such an account.",
    )

    class Meta:
        ordering = ["user"]

    def __str__(self):
        return f"Profile of {self.user}"
