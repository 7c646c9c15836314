"""Account forms: sign-up and the admin's member form."""

from django import forms
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.db import IntegrityError, transaction

EMAIL_TAKEN = "An account with this email exists already."


def check_email_free(email, member=None):
    """The email, stripped, unless another account has it in any case."""
    email = email.strip()
    others = get_user_model().objects.filter(email__iexact=email)
    if member is not None and member.pk:
        others = others.exclude(pk=member.pk)
    if email and others.exists():
        raise forms.ValidationError(EMAIL_TAKEN)
    return email


class SignupForm(UserCreationForm):
    """Username, email and a password checked by Django's validators.

    The database holds both rules too (unique username, unique email in any
    case: migration 0003), for two sign-ups at the same moment; ``save``
    turns that violation into the same form error."""

    email = forms.EmailField(required=True, help_text="Only used to reach you about your account.")

    class Meta(UserCreationForm.Meta):
        model = get_user_model()
        fields = ["username", "email"]

    def clean_email(self):
        return check_email_free(self.cleaned_data["email"])

    def save(self, commit=True):
        """The new member, or None with a form error when someone took the
        username or email between validation and the insert."""
        try:
            with transaction.atomic():
                return super().save(commit=commit)
        except IntegrityError:
            user_model = get_user_model()
            username = self.cleaned_data["username"]
            if user_model.objects.filter(username=username).exists():
                self.add_error(
                    "username", user_model._meta.get_field("username").error_messages["unique"]
                )
            else:
                self.add_error("email", EMAIL_TAKEN)
            return None


class MemberChangeForm(UserChangeForm):
    """The admin's member form, with the sign-up's one-account-per-email rule
    (the database refuses a duplicate in any case: migration 0003)."""

    def clean_email(self):
        return check_email_free(self.cleaned_data["email"], member=self.instance)
