from django import forms
from django.core.validators import MaxValueValidator

from core.text import visible_text

from .models import BASELINE_TOO_LARGE, MAX_BASELINE_VOTES, Decision, Framework, ProCon

MAX_DECISION_FRAMEWORKS = 4
NOTHING_VISIBLE = "Write some visible text: spaces and invisible characters alone do not count."


def require_visible(value, *, multiline=False):
    """The text normalised by ``visible_text``; a form error when it is blank."""
    text = visible_text(value, multiline=multiline)
    if not text:
        raise forms.ValidationError(NOTHING_VISIBLE, code="required")
    return text


class VisibleProConTextMixin:
    """One rule for a pro/con's words, in the member's form and the admin's."""

    def clean_text(self):
        return require_visible(self.cleaned_data["text"])

    def clean_detail(self):
        return visible_text(self.cleaned_data.get("detail", ""), multiline=True)


class VisibleDecisionBodyMixin:
    def clean_body(self):
        return require_visible(self.cleaned_data["body"], multiline=True)


def check_decision_frameworks(frameworks):
    if frameworks is not None and not 1 <= len(frameworks) <= MAX_DECISION_FRAMEWORKS:
        raise forms.ValidationError(f"Choose 1 to {MAX_DECISION_FRAMEWORKS} frameworks.")
    return frameworks


class DecisionAdminForm(VisibleDecisionBodyMixin, forms.ModelForm):
    class Meta:
        model = Decision
        fields = ["author", "kind", "status", "body", "frameworks", "criteria", "created"]

    def clean_frameworks(self):
        return check_decision_frameworks(self.cleaned_data.get("frameworks"))


class ProConAdminForm(VisibleProConTextMixin, forms.ModelForm):
    """Keeps ``votes_count`` equal to baseline plus member votes when a
    curator edits the baseline, so the database's checks hold on save."""

    class Meta:
        model = ProCon
        fields = ["framework", "kind", "text", "detail", "baseline_votes", "status", "submitted_by"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Checked by the form field first, so the model's own range check
        # (which on PostgreSQL adds the column's 32-bit limit) is skipped and
        # the curator reads one message on every database.
        baseline = self.fields["baseline_votes"]
        baseline.validators.append(MaxValueValidator(MAX_BASELINE_VOTES, BASELINE_TOO_LARGE))
        baseline.widget.attrs["max"] = MAX_BASELINE_VOTES

    def clean(self):
        data = super().clean()
        baseline = data.get("baseline_votes")
        if baseline is not None:
            member_votes = self.instance.votes.count() if self.instance.pk else 0
            self.instance.votes_count = baseline + member_votes
        return data


class SuggestionForm(VisibleProConTextMixin, forms.ModelForm):
    """A member's new pro or con, held for review."""

    class Meta:
        model = ProCon
        fields = ["kind", "text", "detail"]
        labels = {"kind": "Pro or con", "text": "In a few words", "detail": "Detail (optional)"}
        widgets = {"detail": forms.Textarea(attrs={"rows": 3, "maxlength": 1000})}

    def __init__(self, *args, framework, **kwargs):
        super().__init__(*args, **kwargs)
        self.framework = framework

    def clean(self):
        data = super().clean()
        text, kind = data.get("text"), data.get("kind")
        if text and kind:
            existing = ProCon.objects.filter(
                framework=self.framework, kind=kind, text__iexact=text
            ).first()
            if existing:
                state = {
                    ProCon.Status.APPROVED: "is listed already",
                    ProCon.Status.PENDING: "is already waiting for review",
                    ProCon.Status.REJECTED: "was suggested before and turned down",
                }[existing.status]
                self.add_error("text", f'"{existing.text}" {state}.')
        return data

    def save(self, *, member):
        procon = super().save(commit=False)
        procon.framework = self.framework
        procon.status = ProCon.Status.PENDING
        procon.submitted_by = member
        procon.baseline_votes = procon.votes_count = 0
        procon.save()
        return procon


class DecisionForm(VisibleDecisionBodyMixin, forms.ModelForm):
    """A member's "needs advice" or "decided" post about 1 to 4 frameworks."""

    frameworks = forms.ModelMultipleChoiceField(
        queryset=Framework.objects.published().order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        help_text=f"Choose 1 to {MAX_DECISION_FRAMEWORKS} frameworks.",
    )

    class Meta:
        model = Decision
        fields = ["kind", "frameworks", "criteria", "body"]
        labels = {"kind": "This post", "criteria": "Criteria it is about"}
        widgets = {
            "body": forms.Textarea(attrs={"rows": 8, "maxlength": 5000}),
            "criteria": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "body": "Plain text or Markdown (links, lists, emphasis). No HTML.",
            "criteria": "Tick what weighed in the choice; comparison tables count and link them.",
        }

    def clean_frameworks(self):
        return check_decision_frameworks(self.cleaned_data.get("frameworks"))
