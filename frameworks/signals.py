from django.dispatch import Signal

#: Sent when catalogue rows change through ``QuerySet.update()``, which sends
#: no model signals (vote counters, moderation). Receivers drop cached pages.
catalogue_changed = Signal()
