"""Writes that span several rows: deleting an account."""

from django.contrib.auth import get_user_model
from django.db import transaction

from core.cache import bump_on_commit
from frameworks import cache as catalogue_tags
from frameworks.models import Decision

from . import cache as tags
from .models import DELETED_MEMBER_USERNAME


def deleted_member():
    """The account that keeps the posts of members who left and chose to
    leave them up: inactive, no usable password, shown as "Deleted member"."""
    user_model = get_user_model()
    user, created = user_model.objects.get_or_create(
        username=DELETED_MEMBER_USERNAME,
        defaults={"first_name": "Deleted", "last_name": "member", "is_active": False},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


def delete_member(user, *, keep_posts):
    """Delete the account. Votes go with it and every pro/con they counted
    is recounted (``frameworks`` receivers on the user's deletion). Their
    decisions are handed to ``deleted_member()`` when ``keep_posts``,
    otherwise deleted with the account (each bumps the pages that list it)."""
    with transaction.atomic():
        if keep_posts:
            decisions = Decision.objects.filter(author=user)
            framework_ids = set(
                Decision.frameworks.through.objects.filter(decision__author=user).values_list(
                    "framework_id", flat=True
                )
            )
            placeholder = deleted_member()
            if decisions.update(author=placeholder):
                bump_on_commit(
                    tags.MEMBERS,
                    tags.member_page(placeholder.pk),
                    *(catalogue_tags.decisions(pk) for pk in framework_ids),
                )
        bump_on_commit(tags.member_page(user.pk))
        user.delete()
