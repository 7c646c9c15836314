from django import forms
from django.core import signing
from django.core.validators import URLValidator

from core.text import visible_text
from frameworks.forms import FrameworkNamesMixin
from stats.models import ReleaseSeries

from .models import MAX_FRAMEWORKS, MAX_STATISTIC, MIN_FRAMEWORKS, EditSuggestion

PICKER_FIELDS = ["a", "b", "c", "d"][:MAX_FRAMEWORKS]
#: The series each framework box may be pinned to ("av=5.2"): the version
#: picker of a comparison page sends them with its frameworks.
VERSION_FIELDS = [f"{name}v" for name in PICKER_FIELDS]


class CompareForm(FrameworkNamesMixin, forms.Form):
    """The "compare frameworks" picker: a plain GET form, one text box per
    framework (PICKER_FIELDS), at least MIN_FRAMEWORKS of them filled with
    a name or slug; ``chosen`` holds the frameworks once valid. No list of
    every framework: the boxes suggest names as one types (JavaScript), and
    an unknown name is a form error with close matches."""

    name_fields = tuple(PICKER_FIELDS)
    required_names = MIN_FRAMEWORKS

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.add_name_fields()
        for name in VERSION_FIELDS:
            self.fields[name] = forms.CharField(
                required=False, max_length=50, widget=forms.HiddenInput
            )

    def clean(self):
        data = super().clean()
        data["chosen"] = self.clean_names()
        data["pins"] = self.clean_versions(data["chosen"]) if data["chosen"] else {}
        return data

    def clean_versions(self, chosen):
        """{framework id: series name} of the boxes given a version (one
        query), each a series the framework has; else a form error."""
        asked = {}
        filled = [name for name in PICKER_FIELDS if self.cleaned_data.get(name)]
        for name, framework in zip(filled, chosen, strict=True):
            version = visible_text(self.cleaned_data.get(f"{name}v", "")).lower()
            if version:
                asked[framework] = version
        if not asked:
            return {}
        known = {
            (pk, name.lower()): name
            for pk, name in ReleaseSeries.objects.filter(framework__in=list(asked)).values_list(
                "framework_id", "name"
            )
        }
        pins = {}
        for framework, version in asked.items():
            if (framework.pk, version) not in known:
                self.add_error(
                    None, f"{framework.name} has no release series {version[:20]} that we know of."
                )
            else:
                pins[framework.pk] = known[(framework.pk, version)]
        return pins


#: A source must be a web page the curator can open: http(s) only.
web_url = URLValidator(schemes=["http", "https"], message="Enter a web address (http or https).")


#: Signs the values a suggestion form was built from (EditSuggestionForm.seen).
SEEN_SALT = "edit-suggestion-seen"


class EditSuggestionForm(forms.ModelForm):
    """A member's suggested edit of one cell or one statistic.

    ``target`` is an unsaved EditSuggestion naming the framework and the
    criterion or statistic; ``current`` the target's values now, which the
    fields start from. The snapshot stored with the suggestion is what the
    member saw: the form carries the values it was built from (``seen``,
    signed), so a curator's edit made while the member was writing makes
    the suggestion a conflict at review instead of being overwritten. A
    form posted without it (a script) is checked against the values when
    it arrives; a tampered one is refused."""

    seen = forms.CharField(widget=forms.HiddenInput, required=False)

    class Meta:
        model = EditSuggestion
        fields = ["verdict", "summary", "source_url", "value", "reason", "evidence_url"]
        labels = {
            "verdict": "Proposed verdict",
            "summary": "Proposed summary",
            "source_url": "Proposed source for the cell",
            "value": "Proposed value",
            "reason": "Why this change",
            "evidence_url": "Source link",
        }
        help_texts = {
            "reason": "What is wrong or out of date now, in a sentence or two.",
            "evidence_url": "A page where a curator can check it (http or https).",
            "source_url": "The page the cell should cite; leave empty to keep none.",
        }
        widgets = {
            "summary": forms.Textarea(attrs={"rows": 4, "maxlength": 600}),
            "reason": forms.Textarea(attrs={"rows": 3, "maxlength": 1000}),
        }

    def __init__(self, *args, target, current, **kwargs):
        kwargs["instance"] = target
        if not args and "data" not in kwargs:
            initial = {**current, "seen": signing.dumps(current, salt=SEEN_SALT)}
            kwargs.setdefault("initial", initial)
        super().__init__(*args, **kwargs)
        self.current = current
        if target.target == EditSuggestion.Target.ASSESSMENT:
            del self.fields["value"]
            self.fields["summary"].required = True
            if not target.criterion.question:
                del self.fields["verdict"]
            else:
                self.fields["verdict"].label = f"Proposed answer to “{target.criterion.question}”"
        else:
            for name in ("verdict", "summary", "source_url"):
                del self.fields[name]
            value = self.fields["value"]
            value.required = True
            value.min_value = 0
            value.widget.attrs.update(min=0, max=MAX_STATISTIC)
        for name in ("source_url", "evidence_url"):
            if name in self.fields:
                self.fields[name].validators.append(web_url)
                self.fields[name].widget.attrs["maxlength"] = 500
        self.fields["evidence_url"].required = True

    def clean_seen(self):
        raw = self.cleaned_data.get("seen")
        if not raw:
            return self.current
        try:
            return signing.loads(raw, salt=SEEN_SALT)
        except signing.BadSignature:
            # A hidden field's error would show nowhere: say it for the form.
            self.add_error(None, "This form could not be read back: open it again from the page.")
            return None

    def clean_summary(self):
        return visible_text(self.cleaned_data.get("summary", ""), multiline=True)

    def clean_reason(self):
        text = visible_text(self.cleaned_data["reason"], multiline=True)
        if not text:
            raise forms.ValidationError("Say why the change is needed.", code="required")
        return text

    def clean(self):
        data = super().clean()
        if self.instance.target == EditSuggestion.Target.ASSESSMENT:
            if "summary" in self.fields and "summary" in data and not data["summary"]:
                self.add_error("summary", "Write the summary the cell should show.")
            proposed = {
                name: data.get(name, self.current.get(name, "") if name == "verdict" else "")
                for name in ("verdict", "summary", "source_url")
            }
        else:
            proposed = {"value": data.get("value")}
        if not self.errors and proposed == {k: self.current.get(k) for k in proposed}:
            raise forms.ValidationError("This is what it says already: change something.")
        return data

    def save(self, *, author):
        suggestion = super().save(commit=False)
        suggestion.author = author
        suggestion.snapshot = self.cleaned_data["seen"]
        if suggestion.target == EditSuggestion.Target.ASSESSMENT and "verdict" not in self.fields:
            suggestion.verdict = self.current.get("verdict", "")
        suggestion.save()
        return suggestion
