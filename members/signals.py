"""Receivers that keep cached pages exact when members change.

Connected in ``MembersConfig.ready()``, as each app wires its own models.
"""

from django.contrib.auth import get_user_model
from django.db.models.signals import post_delete, post_save

from core.cache import bump_on_commit
from frameworks import cache as catalogue_tags

from . import cache as tags
from .models import Profile, StackEntry


def profile_changed(sender, instance, **kwargs):
    """Headlines show on decision cards (the members tag); "hide my stack"
    changes who the pages of the member's stack frameworks list."""
    framework_ids = StackEntry.objects.filter(user_id=instance.user_id).values_list(
        "framework_id", flat=True
    )
    bump_on_commit(
        tags.member(instance.user_id),
        tags.member_page(instance.user_id),
        *(catalogue_tags.follows(pk) for pk in framework_ids),
    )


def user_saved(sender, instance, created=False, update_fields=None, **kwargs):
    """A member's name shows on their decisions; their last_login (saved at
    every login) does not, and a new account has no decision yet, so such
    saves keep the cache."""
    if created or (update_fields is not None and set(update_fields) <= {"last_login"}):
        return
    # The pages of the frameworks in their stack list them by name while
    # they are active: a curator (de)activating them changes those lists,
    # even a list that was empty and so did not record the members tag.
    framework_ids = StackEntry.objects.filter(user_id=instance.pk).values_list(
        "framework_id", flat=True
    )
    bump_on_commit(
        tags.member(instance.pk),
        tags.member_page(instance.pk),
        *(catalogue_tags.follows(pk) for pk in framework_ids),
    )


def connect():
    uid = "members-cache-"
    post_save.connect(profile_changed, sender=Profile, dispatch_uid=uid + "profile-save")
    post_delete.connect(profile_changed, sender=Profile, dispatch_uid=uid + "profile-del")
    post_save.connect(user_saved, sender=get_user_model(), dispatch_uid=uid + "user-save")
