from django.apps import AppConfig
from django.db.models.signals import m2m_changed, post_delete, post_save


class ComparisonConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "comparison"
    verbose_name = "Comparisons"

    def ready(self):
        from django.contrib.auth import get_user_model

        from core.cache import bump_on_commit, bump_unless_login_only
        from frameworks.models import Category, Decision, Framework, ProCon, Profile, Vote
        from frameworks.signals import catalogue_changed

        from .models import Assessment, Comparison, ComparisonEntry, Criterion, Difference

        # Anything a cached page shows: bump the page-cache version on commit.
        for model in (
            Category,
            Framework,
            ProCon,
            Vote,
            Decision,
            Criterion,
            Assessment,
            Comparison,
            ComparisonEntry,
            Difference,
        ):
            uid = f"page-cache-{model._meta.label_lower}"
            post_save.connect(bump_on_commit, sender=model, dispatch_uid=uid + "-save")
            post_delete.connect(bump_on_commit, sender=model, dispatch_uid=uid + "-delete")
        for through in (
            Framework.alternatives.through,
            Framework.integrations.through,
            Decision.frameworks.through,
        ):
            m2m_changed.connect(
                bump_on_commit, sender=through, dispatch_uid=f"page-cache-{through._meta.label}"
            )
        catalogue_changed.connect(bump_on_commit, dispatch_uid="page-cache-catalogue-changed")
        # Pages show decision authors' names and headlines.
        post_save.connect(bump_on_commit, sender=Profile, dispatch_uid="page-cache-profile-save")
        post_save.connect(
            bump_unless_login_only,
            sender=get_user_model(),
            dispatch_uid="page-cache-user-save",
        )
        post_delete.connect(
            bump_on_commit, sender=get_user_model(), dispatch_uid="page-cache-user-delete"
        )
