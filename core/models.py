"""Model building blocks shared by the apps."""

from django.db import models

#: What a slug column accepts: lowercase letters and digits in single-hyphen
#: separated words. Used by CheckConstraints so the database holds the rule.
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"


class TimeStampedModel(models.Model):
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True
