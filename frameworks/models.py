"""The catalogue: categories, frameworks, their statistics, pros/cons, votes
and the decisions members post about them."""

from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import (
    MaxValueValidator,
    MinValueValidator,
    RegexValidator,
)
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Upper
from django.utils import timezone

from core.history import CuratedHistory
from core.links import url_for
from core.models import SLUG_PATTERN, TimeStampedModel

from .logos import LogoField

#: The largest imported baseline of a pro/con. Counters are 32-bit integers on
#: PostgreSQL (at most 2,147,483,647): this leaves room for over a billion
#: member votes on top, so ``baseline + votes`` always fits.
MAX_BASELINE_VOTES = 1_000_000_000
BASELINE_TOO_LARGE = (
    f"At most {MAX_BASELINE_VOTES:,} imported votes, so that members' votes still fit on top."
)

#: GitHub "owner/name": an owner of letters, digits and single hyphens (at
#: most 39), a repository name of letters, digits, ".", "_" and "-".
GITHUB_REPO_PATTERN = (
    r"^[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}/(?!\.\.?$)[A-Za-z0-9._-]{1,100}$"
)
#: A PyPI project name as PEP 508 allows it.
PYPI_PROJECT_PATTERN = r"^(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9._-]{0,98}[A-Za-z0-9])$"
#: An npm package name, optionally scoped (@scope/name), lowercase.
NPM_PACKAGE_PATTERN = r"^(?:@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*$"

validate_github_repo = RegexValidator(
    GITHUB_REPO_PATTERN, 'Write the repository as "owner/name", e.g. "django/django".'
)
validate_pypi_project = RegexValidator(
    PYPI_PROJECT_PATTERN,
    "Write the PyPI project name: letters, digits, '.', '_' and '-', e.g. \"Django\".",
)
validate_npm_package = RegexValidator(
    NPM_PACKAGE_PATTERN, 'Write the npm package name, e.g. "express" or "@nestjs/core".'
)
#: A product's name on endoflife.date (its URL: endoflife.date/django).
ENDOFLIFE_PRODUCT_PATTERN = r"^[a-z0-9][a-z0-9._-]*$"
validate_endoflife_product = RegexValidator(
    ENDOFLIFE_PRODUCT_PATTERN, 'Write the product as in its endoflife.date address, e.g. "django".'
)

#: A repository with no push and no release for this long is inactive.
INACTIVE_AFTER = timedelta(days=730)

#: Separator of framework slugs in a compare URL (/compare/django-vs-flask/).
COMPARE_SEPARATOR = "-vs-"


class Category(models.Model):
    name = models.CharField(max_length=100)
    slug = models.SlugField(max_length=100, unique=True)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"
        constraints = [
            models.CheckConstraint(
                condition=Q(slug__regex=SLUG_PATTERN),
                name="category_slug_valid",
                violation_error_message="Use lowercase letters, digits and single hyphens.",
            ),
            models.CheckConstraint(
                condition=~Q(parent=models.F("pk")),
                name="category_not_own_parent",
                violation_error_message="A category cannot be its own parent.",
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return url_for("frameworks:category", self.slug)

    def clean(self):
        super().clean()
        if self.parent_id is not None and self.pk is not None and self.makes_cycle():
            raise ValidationError(
                {"parent": "This parent would make a cycle: it is this category or below it."}
            )

    def makes_cycle(self):
        """Whether ``parent`` is this category or one of its descendants:
        walks the parent chain upwards from the new parent (one query reads
        the whole, small, tree; a cycle already stored ends the walk too)."""
        parents = dict(Category.objects.values_list("pk", "parent_id"))
        node, seen = self.parent_id, set()
        while node is not None and node not in seen:
            if node == self.pk:
                return True
            seen.add(node)
            node = parents.get(node)
        return False


def with_members(baseline, members):
    """A curated figure plus this site's members. An unknown baseline (NULL)
    with members shows the members alone, a known lower bound; with none it
    stays unknown ("–"), never 0."""
    if baseline is None:
        return members or None
    return baseline + members


class FrameworkQuerySet(models.QuerySet):
    def published(self):
        return self.filter(is_published=True)

    def inactive(self, now=None):
        """Archived, or no release and no push for two years (see is_inactive)."""
        return self.filter(inactive_q(now))

    def active(self, now=None):
        return self.exclude(inactive_q(now))


def votes_of(framework):
    """The sum of a framework's approved pros' and cons' votes, as a subquery:
    what ``Framework.votes_count`` holds (``services.recount_framework_votes``)."""
    approved = ProCon.objects.filter(framework=framework, status=ProCon.Status.APPROVED)
    return models.Subquery(
        approved.order_by()
        .values("framework")
        .annotate(sum=models.Sum("votes_count"))
        .values("sum")
    )


def inactive_q(now=None):
    cutoff = (now or timezone.now()) - INACTIVE_AFTER
    return Q(is_archived=True) | (
        Q(pushed_at__lt=cutoff)
        & (Q(latest_release_at__isnull=True) | Q(latest_release_at__lt=cutoff))
    )


class Framework(TimeStampedModel):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(
        max_length=60,
        unique=True,
        help_text='Used in URLs such as /compare/django-vs-flask/, so it may not contain "-vs-".',
    )
    category = models.ForeignKey(Category, on_delete=models.PROTECT, related_name="frameworks")
    tagline = models.CharField(max_length=200, blank=True)
    description = models.TextField(blank=True)
    website = models.URLField(blank=True)
    repository = models.URLField(blank=True)
    docs_url = models.URLField("documentation", blank=True)
    language = models.CharField(max_length=50, blank=True, db_index=True)
    license = models.CharField("licence", max_length=50, blank=True, db_index=True)
    first_release_year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1950), MaxValueValidator(2100)]
    )
    # PNG, JPEG, WebP or a script-free SVG, checked by content, stored as
    # logos/<content hash>.<kind> (frameworks/logos.py).
    logo = LogoField(blank=True)
    # Statistics: NULL means unknown and shows as "–", never as 0.
    github_stars = models.PositiveIntegerField(null=True, blank=True)
    github_forks = models.PositiveIntegerField(null=True, blank=True)
    # Curated baselines (e.g. StackShare's figures); members' follows and
    # stack entries (the members app) are counted on top, in the counters
    # below, which members.services moves in the same transaction as its rows.
    stacks = models.PositiveIntegerField(null=True, blank=True)
    followers = models.PositiveIntegerField(null=True, blank=True)
    member_stacks = models.PositiveIntegerField(default=0, editable=False)
    member_followers = models.PositiveIntegerField(default=0, editable=False)
    # The sum of the approved pros' and cons' ``votes_count``, moved by
    # frameworks.services with the pro/con counters, in the same statement
    # or transaction: the catalogue sorts by it and the home page ranks by
    # it without summing every framework's pros and cons.
    votes_count = models.PositiveBigIntegerField(
        "votes", default=0, editable=False, help_text="Its approved pros' and cons' votes."
    )
    stats_as_of = models.DateField(
        "statistics as of", null=True, blank=True, help_text="When the statistics were read."
    )
    # Sources the sync_stats command reads; each optional.
    github_repo = models.CharField(
        "GitHub repository",
        max_length=140,
        blank=True,
        validators=[validate_github_repo],
        help_text='"owner/name", e.g. "django/django". Renames are followed by the sync.',
    )
    pypi_project = models.CharField(
        "PyPI project", max_length=100, blank=True, validators=[validate_pypi_project]
    )
    npm_package = models.CharField(
        "npm package", max_length=214, blank=True, validators=[validate_npm_package]
    )
    endoflife_product = models.CharField(
        "endoflife.date product",
        max_length=100,
        blank=True,
        validators=[validate_endoflife_product],
        help_text='The product on endoflife.date, e.g. "django": its release series and their '
        "support dates. Without one, series come from the PyPI or npm release list.",
    )
    # Written by sync_stats; each group carries the date its figures were read.
    github_open_issues = models.PositiveIntegerField("open issues", null=True, blank=True)
    github_as_of = models.DateField(
        "GitHub figures as of", null=True, blank=True, help_text="When stars and forks were read."
    )
    weekly_downloads = models.PositiveBigIntegerField(null=True, blank=True)
    downloads_as_of = models.DateField(null=True, blank=True)
    latest_version = models.CharField(max_length=100, blank=True)
    latest_release_at = models.DateTimeField(null=True, blank=True)
    pushed_at = models.DateTimeField("last push", null=True, blank=True)
    is_archived = models.BooleanField("repository archived", default=False)
    alternatives = models.ManyToManyField("self", blank=True, symmetrical=True)
    integrations = models.ManyToManyField(
        "self", blank=True, symmetrical=False, related_name="integrated_by"
    )
    is_published = models.BooleanField(default=True, db_index=True)

    objects = FrameworkQuerySet.as_manager()
    # Facts, texts and statistics (a daily sync_stats run writes one row when
    # a figure changed); ``updated`` is the history row's own date.
    history = CuratedHistory(
        excluded_fields=["updated", "member_stacks", "member_followers", "votes_count"]
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(slug__regex=SLUG_PATTERN),
                name="framework_slug_valid",
                violation_error_message="Use lowercase letters, digits and single hyphens.",
            ),
            models.CheckConstraint(
                condition=~Q(slug__contains=COMPARE_SEPARATOR)
                & ~Q(slug__startswith="vs-")
                & ~Q(slug__endswith="-vs")
                & ~Q(slug="vs"),
                name="framework_slug_no_vs",
                violation_error_message=(
                    'The slug may not contain "-vs-" (nor start with "vs-" or end with '
                    '"-vs"): it separates frameworks in compare URLs.'
                ),
            ),
            models.CheckConstraint(
                condition=Q(first_release_year__isnull=True)
                | Q(first_release_year__gte=1950, first_release_year__lte=2100),
                name="framework_release_year_range",
                violation_error_message="The first release year must be between 1950 and 2100.",
            ),
        ]
        # A name typed in any case (the picker's boxes, ``name__iexact``,
        # which PostgreSQL reads as UPPER(name) = UPPER(...)).
        indexes = [
            models.Index(Upper("name"), name="framework_name_upper"),
            # The catalogue's "Most votes" and the home page's most voted.
            models.Index(fields=["-votes_count", "name"], name="framework_by_votes"),
            # The sitemap index's latest change (``MAX(updated)`` of the
            # published): the last entry, where the table was read whole.
            models.Index(fields=["updated", "is_published"], name="framework_latest_change"),
            # The API list's exact count of the active (``FrameworkFilter``'s
            # default): every column it tests, so the count reads no row.
            models.Index(
                fields=["is_published", "is_archived", "pushed_at", "latest_release_at"],
                name="framework_activity",
            ),
        ]

    def __str__(self):
        return self.name

    #: Moved only by members.services and frameworks.services, with F() in
    #: the same transaction as their rows; never written back from an
    #: instance read earlier.
    COUNTERS = ("member_stacks", "member_followers", "votes_count")

    def save(self, *args, **kwargs):
        """Saving a framework read earlier (the admin's change form, the
        catalogue import) leaves the counters alone: a follow or a vote
        between the read and the save would otherwise be written back out
        of the count. Name them in ``update_fields`` to write them."""
        if not self._state.adding and kwargs.get("update_fields") is None:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name not in self.COUNTERS
            ]
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return url_for("frameworks:detail", self.slug)

    @property
    def is_inactive(self):
        """The Python side of ``inactive_q``: archived, or no push and no
        release for two years. Unknown dates never make a framework inactive."""
        if self.is_archived:
            return True
        cutoff = timezone.now() - INACTIVE_AFTER
        if self.pushed_at is None or self.pushed_at >= cutoff:
            return False
        return self.latest_release_at is None or self.latest_release_at < cutoff

    @property
    def stars_as_of(self):
        """The date of the star and fork figures: synced, else curated."""
        return self.github_as_of or self.stats_as_of

    @property
    def votes(self):
        """Its approved pros' and cons' votes, as pages and the API name them."""
        return self.votes_count

    @property
    def stacks_shown(self):
        """Stacks as shown: the curated figure plus members listing it."""
        return with_members(self.stacks, self.member_stacks)

    @property
    def followers_shown(self):
        """Followers as shown: the curated figure plus members following it."""
        return with_members(self.followers, self.member_followers)

    @property
    def initials(self):
        letters = [word[0] for word in self.name.replace(".", " ").split() if word[0].isalnum()]
        return ("".join(letters[:2]) or self.name[:2]).upper()


class ProConQuerySet(models.QuerySet):
    def approved(self):
        return self.filter(status=ProCon.Status.APPROVED)

    def pending(self):
        return self.filter(status=ProCon.Status.PENDING)


class ProCon(models.Model):
    class Kind(models.TextChoices):
        PRO = "pro", "Pro"
        CON = "con", "Con"

    class Status(models.TextChoices):
        APPROVED = "approved", "Approved"
        PENDING = "pending", "Pending review"
        REJECTED = "rejected", "Rejected"

    framework = models.ForeignKey(Framework, on_delete=models.CASCADE, related_name="procons")
    kind = models.CharField(max_length=3, choices=Kind.choices)
    text = models.CharField(max_length=100)
    detail = models.TextField(blank=True, max_length=1000)
    baseline_votes = models.PositiveIntegerField(
        default=0,
        validators=[MaxValueValidator(MAX_BASELINE_VOTES, message=BASELINE_TOO_LARGE)],
        help_text="Votes imported from elsewhere; members' votes add to it.",
    )
    votes_count = models.PositiveIntegerField(
        default=0, editable=False, help_text="Baseline plus one per member vote."
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.APPROVED, db_index=True
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="submitted_procons",
    )
    created = models.DateTimeField(auto_now_add=True)

    objects = ProConQuerySet.as_manager()
    # Text, detail, baseline and status; never the vote counter, so a vote
    # writes no history row (votes are their own record: Vote rows).
    history = CuratedHistory(excluded_fields=["votes_count"])

    class Meta:
        verbose_name = "pro/con"
        verbose_name_plural = "pros and cons"
        ordering = ["framework", "kind", "-votes_count", "text"]
        constraints = [
            models.UniqueConstraint(
                "framework",
                "kind",
                Lower("text"),
                name="procon_text_unique_per_framework_kind",
                violation_error_message="This framework already has this pro/con.",
            ),
            models.CheckConstraint(
                condition=Q(votes_count__gte=0) & Q(baseline_votes__gte=0),
                name="procon_counts_not_negative",
                violation_error_message="Vote counts cannot be negative.",
            ),
            models.CheckConstraint(
                condition=Q(baseline_votes__lte=MAX_BASELINE_VOTES),
                name="procon_baseline_bounded",
                violation_error_message=BASELINE_TOO_LARGE,
            ),
            models.CheckConstraint(
                condition=Q(votes_count__gte=models.F("baseline_votes")),
                name="procon_votes_not_below_baseline",
                violation_error_message="The vote count cannot go below the imported baseline.",
            ),
            models.CheckConstraint(
                condition=~Q(text=""),
                name="procon_text_not_empty",
                violation_error_message="Write the pro or con.",
            ),
        ]
        # Never index votes_count: it changes with every vote, and on
        # PostgreSQL an update that touches no indexed column is a HOT
        # update (a new row version on the same page, no index entries), so
        # a vote writes none of this table's seven indexes. A framework's
        # few dozen items sort in memory after this lookup.
        indexes = [models.Index(fields=["framework", "status", "kind"], name="procon_listing")]

    def __str__(self):
        return f"{self.framework} {self.get_kind_display().lower()}: {self.text}"

    def get_absolute_url(self):
        return f"{self.framework.get_absolute_url()}#procon-{self.pk}"


class PendingProCon(ProCon):
    """Members' suggestions waiting for review (the admin's moderation queue)."""

    class Meta:
        proxy = True
        verbose_name = "pending suggestion"
        verbose_name_plural = "pending suggestions"


class Vote(models.Model):
    # Few indexes: each vote inserts or deletes an entry in every index of
    # this table. The unique (user, procon) and the (procon, created)
    # indexes below serve the lookups by member and by item; ``created``
    # alone serves the vote report, which reads the last days' votes (with
    # a million votes it read them all: 45 s, issue 30).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="votes", db_index=False
    )
    procon = models.ForeignKey(
        ProCon, on_delete=models.CASCADE, related_name="votes", db_index=False
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "procon"],
                name="vote_once_per_member",
                violation_error_message="This member has already voted for this item.",
            )
        ]
        # Votes of an item by time: the weekly charts and the burst report;
        # the last days' votes: the vote report.
        indexes = [
            models.Index(fields=["procon", "created"], name="vote_procon_created"),
            models.Index(fields=["created"], name="vote_created"),
        ]

    def __str__(self):
        return f"{self.user} ▲ {self.procon}"


class DecisionQuerySet(models.QuerySet):
    def published(self):
        """Approved decisions: the only ones public pages list."""
        return self.filter(status=Decision.Status.APPROVED)

    def visible_to(self, user):
        """Published ones, plus a member's own held posts; curators see all."""
        if user.is_authenticated and user.is_staff:
            return self
        if user.is_authenticated:
            return self.filter(Q(status=Decision.Status.APPROVED) | Q(author=user))
        return self.published()

    def for_display(self):
        """Everything a decision card shows: author, profile and the published
        frameworks by name (one extra query for any number of decisions)."""
        return self.select_related("author__profile").prefetch_related(
            models.Prefetch("frameworks", queryset=Framework.objects.published().order_by("name"))
        )

    def about(self, frameworks):
        """Decisions naming every one of ``frameworks`` (one query, no joins per item)."""
        ids = [f.pk for f in frameworks]
        return (
            self.filter(frameworks__in=ids)
            .annotate(matches=models.Count("frameworks", filter=Q(frameworks__in=ids)))
            .filter(matches=len(ids))
        )


class Decision(models.Model):
    TITLE_LENGTH = 120

    class Kind(models.TextChoices):
        NEEDS_ADVICE = "needs_advice", "Needs advice"
        DECIDED = "decided", "Decided"

    class Status(models.TextChoices):
        APPROVED = "approved", "Published"
        PENDING = "pending", "Pending review"
        REJECTED = "rejected", "Rejected"

    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="decisions"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    title = models.CharField(
        max_length=TITLE_LENGTH,
        help_text="The post's heading and page title, in the member's words.",
    )
    body = models.TextField(max_length=5000)
    frameworks = models.ManyToManyField(Framework, related_name="decisions")
    criteria = models.ManyToManyField(
        "comparison.Criterion",
        related_name="decisions",
        blank=True,
        help_text="The criteria this post is about; comparison tables count and link them.",
    )
    created = models.DateTimeField(default=timezone.now, db_index=True)
    views_count = models.PositiveIntegerField(default=0)
    # Members' visible comments (the members app keeps it with its rows).
    comments_count = models.PositiveIntegerField(default=0, editable=False)
    status = models.CharField(
        max_length=10,
        choices=Status.choices,
        default=Status.APPROVED,
        db_index=True,
        help_text="Posts of very new accounts wait for a curator's approval.",
    )

    objects = DecisionQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        constraints = [
            models.CheckConstraint(
                condition=Q(views_count__gte=0),
                name="decision_views_not_negative",
                violation_error_message="Views cannot be negative.",
            ),
            models.CheckConstraint(
                condition=~Q(body=""),
                name="decision_body_not_empty",
                violation_error_message="Write what you need advice on or what you decided.",
            ),
            models.CheckConstraint(
                condition=~Q(title=""),
                name="decision_title_not_empty",
                violation_error_message="Give the post a title.",
            ),
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return url_for("frameworks:decision", self.pk)


class VoteOrigin(models.Model):
    """The addresses a member voted from: one row per member and address,
    with the last time it was seen. Written by the vote view after the vote
    (``services.toggle_vote`` stays about votes and counts); read by the
    vote report to find many voting accounts behind one address."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="vote_origins"
    )
    ip = models.GenericIPAddressField("address")
    first_seen = models.DateTimeField(default=timezone.now)
    last_seen = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-last_seen"]
        constraints = [
            models.UniqueConstraint(fields=["user", "ip"], name="vote_origin_once_per_address"),
        ]

    def __str__(self):
        return f"{self.user} from {self.ip}"


class AbuseMarkQuerySet(models.QuerySet):
    def blocking(self):
        return self.filter(blocks_voting=True)


class AbuseMark(models.Model):
    """A curator's decision that an account pushed votes: its votes were
    removed from the counts (``moderation.discount_votes``) and, while
    ``blocks_voting`` holds, it cannot vote. The record stays when the block
    is lifted, so what happened remains visible."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="abuse_marks",
    )
    username = models.CharField(max_length=150, help_text="Kept if the account is deleted.")
    curator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(max_length=1000)
    votes_removed = models.PositiveIntegerField(default=0)
    procon_ids = models.JSONField(
        "items recounted", default=list, help_text="The pros and cons whose counts were redone."
    )
    blocks_voting = models.BooleanField(
        default=True, help_text="Untick to let the account vote again; the record stays."
    )
    created = models.DateTimeField(default=timezone.now, db_index=True)

    objects = AbuseMarkQuerySet.as_manager()

    class Meta:
        ordering = ["-created"]
        verbose_name = "discounted account"
        verbose_name_plural = "discounted accounts"
        constraints = [
            models.CheckConstraint(
                condition=~Q(reason=""),
                name="abuse_mark_reason_not_empty",
                violation_error_message="Say why the votes are discounted.",
            ),
        ]

    def __str__(self):
        return f"{self.username}: {self.votes_removed} votes discounted"
