from django import forms

from frameworks.models import Framework

from .models import MAX_FRAMEWORKS, MIN_FRAMEWORKS

PICKER_FIELDS = ["a", "b", "c", "d"][:MAX_FRAMEWORKS]


class CompareForm(forms.Form):
    """The "compare frameworks" picker: a plain GET form, one field per
    framework (PICKER_FIELDS), the first MIN_FRAMEWORKS required."""

    def __init__(self, *args, frameworks=None, **kwargs):
        super().__init__(*args, **kwargs)
        if frameworks is None:
            frameworks = Framework.objects.published().only("slug", "name")
        choices = [("", "—")] + [(f.slug, f.name) for f in frameworks]
        for index, name in enumerate(PICKER_FIELDS):
            self.fields[name] = forms.ChoiceField(
                label=f"Framework {index + 1}",
                choices=choices,
                required=index < MIN_FRAMEWORKS,
            )

    def clean(self):
        data = super().clean()
        chosen = [data[name] for name in PICKER_FIELDS if data.get(name)]
        if len(set(chosen)) != len(chosen):
            raise forms.ValidationError("Pick each framework only once.")
        if len(chosen) < MIN_FRAMEWORKS:
            raise forms.ValidationError(f"Pick at least {MIN_FRAMEWORKS} frameworks.")
        data["chosen"] = chosen
        return data
