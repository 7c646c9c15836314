from django import forms
from django.core.validators import MaxValueValidator

from core.text import visible_text

from .models import BASELINE_TOO_LARGE, MAX_BASELINE_VOTES, Decision, ProCon
from .search import NAME_LENGTH, frameworks_named, suggestions_for

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
        fields = ["author", "kind", "status", "title", "body", "frameworks", "criteria", "created"]

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


#: The id of the page's one list of suggested names (a <datalist>), which
#: every framework box names and static/js/picker.js fills as one types.
NAMES_LIST_ID = "framework-names"


class FrameworkNamesMixin:
    """Framework boxes for a form: one text box per framework
    (``name_fields``), at least ``required_names`` of them filled, in any
    boxes. The reader types a name or slug in any case (with JavaScript,
    matches come up as they type); ``clean_names()`` resolves them in one
    query, or adds a form error per unknown name with its close matches
    ("Did you mean Flask?"), for a framework named twice and for too few.
    Scales to any catalogue: no page lists every framework."""

    name_fields = ()
    required_names = 1
    name_label = "Framework {}"

    def add_name_fields(self):
        for index, name in enumerate(self.name_fields):
            attrs = {
                "list": NAMES_LIST_ID,
                "autocomplete": "off",
                "spellcheck": "false",
                "data-framework-name": "",
            }
            if index < self.required_names:
                # The browser asks for the first boxes; the server counts
                # the boxes filled, whichever they are.
                attrs["required"] = True
            self.fields[name] = forms.CharField(
                label=self.name_label.format(index + 1),
                required=False,
                max_length=NAME_LENGTH,
                widget=forms.TextInput(attrs=attrs),
            )

    def clean_names(self):
        """The frameworks typed, in order, or None after adding errors."""
        if any(name in self.errors for name in self.name_fields):
            return None
        typed = {}
        for name in self.name_fields:
            text = visible_text(self.cleaned_data.get(name, ""))
            self.cleaned_data[name] = text
            if text:
                typed[name] = text
        named = frameworks_named(list(typed.values()))
        unknown = [text for text in typed.values() if text not in named]
        close = suggestions_for(unknown) if unknown else {}
        for name, text in typed.items():
            if text not in named:
                self.add_error(name, unknown_name(text, close[text]))
        if unknown:
            return None
        chosen = [named[text] for text in typed.values()]
        if len({f.pk for f in chosen}) != len(chosen):
            self.add_error(None, "Name each framework only once.")
            return None
        if len(chosen) < self.required_names:
            count = self.required_names
            wanted = "a framework" if count == 1 else f"at least {count} frameworks"
            self.add_error(None, f"Name {wanted}.")
            return None
        return chosen


def unknown_name(text, close):
    """The error of a name no published framework has, with close matches."""
    shown = text if len(text) <= 40 else text[:39] + "…"
    message = f"We have no framework called “{shown}”."
    if close:
        names = [f.name for f in close]
        listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " or " + names[-1]
        message += f" Did you mean {listed}?"
    return message


class DecisionForm(FrameworkNamesMixin, VisibleDecisionBodyMixin, forms.ModelForm):
    """A member's "needs advice" or "decided" post about 1 to 4 frameworks."""

    name_fields = tuple(f"framework_{n}" for n in range(1, MAX_DECISION_FRAMEWORKS + 1))

    class Meta:
        model = Decision
        fields = ["kind", "title", "criteria", "body"]
        labels = {"kind": "This post", "criteria": "Criteria it is about"}
        widgets = {
            "kind": forms.RadioSelect,
            "title": forms.TextInput(attrs={"maxlength": Decision.TITLE_LENGTH}),
            "body": forms.Textarea(attrs={"rows": 8, "maxlength": 5000}),
            "criteria": forms.CheckboxSelectMultiple,
        }
        help_texts = {
            "title": "One line that says what it is about, e.g. “Django or Flask for a first API?”",
            "body": "Plain text or Markdown (links, lists, emphasis). No HTML.",
            "criteria": "Tick what weighed in the choice; comparison tables count and link them.",
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Two kinds, both named: radio buttons, no empty "---------" choice.
        self.fields["kind"].choices = Decision.Kind.choices
        self.add_name_fields()
        # The boxes come right after the title, before the criteria and text.
        order = ["kind", "title", *self.name_fields, "criteria", "body"]
        self.order_fields(order)

    def clean_title(self):
        return require_visible(self.cleaned_data["title"])

    def clean(self):
        data = super().clean()
        self.chosen = self.clean_names()
        return data

    def save(self, commit=True):
        decision = super().save(commit=commit)
        if commit:
            decision.frameworks.set(self.chosen)
        return decision
