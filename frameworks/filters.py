import django_filters
from django.db.models import F

from core.cache import cached

from . import cache as tags
from . import search
from .models import Category, Framework
from .selectors import category_and_below


def _distinct_values(field):
    """The values of ``field`` among published frameworks, as choices: a
    scan of the whole table (8 ms at 20,000 frameworks), so kept in the
    data cache until the set of published frameworks or their languages
    and licences change (``FRAMEWORKS``, bumped by ``signals.py``)."""

    def compute():
        values = (
            Framework.objects.published()
            .exclude(**{field: ""})
            .order_by(field)
            .values_list(field, flat=True)
            .distinct()
        )
        return [(v, v) for v in values]

    def choices():
        return cached(f"catalogue-choices-{field}", compute, lambda _: [tags.FRAMEWORKS])

    return choices


class CaseInsensitiveChoiceField(django_filters.fields.ChoiceField):
    """A choice written in another case ("python") is that choice ("Python").

    The choices are read once, by the validation Django runs anyway; the
    match is kept so the cleaned value and the rendered select use the
    choice as listed."""

    def valid_value(self, value):
        folded = str(value).casefold()
        for choice, _label in self.choices:
            if str(choice).casefold() == folded:
                self._listed = {folded: choice}
                return True
        return False

    def _as_listed(self, value):
        if not value:
            return value
        return getattr(self, "_listed", {}).get(str(value).casefold(), value)

    def clean(self, value):
        return self._as_listed(super().clean(value))

    def prepare_value(self, value):
        return self._as_listed(value)


class CaseInsensitiveChoiceFilter(django_filters.ChoiceFilter):
    field_class = CaseInsensitiveChoiceField


class NullsLastOrderingFilter(django_filters.OrderingFilter):
    """Orders unknown statistics (NULL) last on every database; ties by name."""

    def filter(self, qs, value):
        # "?sort=," or "?sort=-stars,": the empty entries of the list mean no
        # order, not a field named "".
        value = [param for param in value or () if param]
        if not value:
            return qs
        ordering = []
        for param in value:
            field = self.get_ordering_value(param)
            expression = F(field.lstrip("-"))
            ordering.append(
                expression.desc(nulls_last=True)
                if field.startswith("-")
                else expression.asc(nulls_last=True)
            )
        return qs.order_by(*ordering, "name")


class FrameworkFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label="Search", max_length=100)
    category = django_filters.ModelChoiceFilter(
        queryset=Category.objects.all(),
        to_field_name="slug",
        method="in_category",
        empty_label="Any category",
    )
    language = CaseInsensitiveChoiceFilter(
        choices=_distinct_values("language"), empty_label="Any language"
    )
    license = CaseInsensitiveChoiceFilter(
        label="Licence", choices=_distinct_values("license"), empty_label="Any licence"
    )
    status = django_filters.ChoiceFilter(
        label="Activity",
        choices=[("inactive", "Inactive only"), ("all", "Active and inactive")],
        empty_label="Active only",
        method="by_activity",
    )
    sort = NullsLastOrderingFilter(
        label="Sort by",
        fields=[
            ("github_stars", "stars"),
            ("stars_gained", "stars_gained"),
            ("weekly_downloads", "downloads"),
            ("votes_count", "votes"),
            ("name", "name"),
        ],
        choices=[
            ("-stars", "Most GitHub stars"),
            ("-stars_gained", "Most stars gained (90 days)"),
            ("-downloads", "Most weekly downloads"),
            ("-votes", "Most votes"),
            ("name", "Name"),
        ],
        empty_label="Name",
    )

    class Meta:
        model = Framework
        fields = ["q", "category", "language", "license"]

    def __init__(self, data=None, *args, **kwargs):
        # Always bound, so the default (hide inactive) applies to a bare /frameworks/.
        super().__init__(data if data is not None else {}, *args, **kwargs)

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if not self.form.cleaned_data.get("status"):
            # Inactive frameworks (archived, or idle for two years) are hidden
            # unless the filter asks for them.
            queryset = queryset.active()
        return queryset

    def by_activity(self, queryset, name, value):
        return queryset.inactive() if value == "inactive" else queryset

    def search(self, queryset, name, value):
        """Ranked full-text search (frameworks/search.py): best match
        first, unless a sort is chosen."""
        return search.matching(queryset, value)

    def in_category(self, queryset, name, value):
        """A category and everything below it."""
        return queryset.filter(category_id__in=category_and_below(value))
