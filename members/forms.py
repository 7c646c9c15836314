"""Account forms: sign-up, settings, the admin's member form."""

from django import forms
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.forms import PasswordChangeForm, UserChangeForm, UserCreationForm
from django.db import IntegrityError, transaction

from core import ratelimit
from core.text import visible_text

from .models import COMMENT_MAX_LENGTH, DELETED_MEMBER_USERNAME, Comment, Profile

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

    def clean_username(self):
        username = super().clean_username()
        if username and username.lower() == DELETED_MEMBER_USERNAME:
            raise forms.ValidationError("This username is reserved. Choose another one.")
        return username

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


class ProfileForm(forms.ModelForm):
    """The headline shown beside a member's posts and on their page."""

    class Meta:
        model = Profile
        fields = ["headline", "hide_stack"]
        labels = {"headline": "Headline"}
        help_texts = {
            "headline": 'One line beside your posts, e.g. "Engineer at Ripio".',
            "hide_stack": "Your stack then shows on your own page only to you, and framework "
            "pages leave you out of their lists.",
        }
        widgets = {"headline": forms.TextInput(attrs={"maxlength": 120})}

    def clean_headline(self):
        # Invisible characters alone make no headline; an empty one is fine.
        return visible_text(self.cleaned_data["headline"])


def check_current_password(member, password):
    """Raise a form error unless ``password`` is the member's. Wrong guesses
    are limited (``PASSWORD_CHECK_RATE`` per member): these checks bypass the
    login lockout, and a stolen session could otherwise guess the password,
    then change the email and own the account."""
    rate = settings.PASSWORD_CHECK_RATE
    retry_after = ratelimit.hit("password-check", member.pk, rate)
    if retry_after:
        minutes = max(1, round(retry_after / 60))
        raise forms.ValidationError(
            f"Too many wrong passwords: try again in {minutes} minute{'s' * (minutes != 1)}.",
            code="password_limit",
        )
    if not member.check_password(password):
        raise forms.ValidationError("This is not your current password.", code="password")
    ratelimit.refund("password-check", member.pk, rate)  # only wrong guesses count


class PasswordCheckMixin:
    """A form that asks for the member's current password (``password``)."""

    def __init__(self, *args, member, **kwargs):
        super().__init__(*args, **kwargs)
        self.member = member

    def clean_password(self):
        password = self.cleaned_data["password"]
        check_current_password(self.member, password)
        return password


class LimitedPasswordChangeForm(PasswordChangeForm):
    """Django's password change form, its old-password check limited too."""

    def clean_old_password(self):
        password = self.cleaned_data["old_password"]
        check_current_password(self.user, password)
        return password


class EmailForm(PasswordCheckMixin, forms.Form):
    """A new email address: password reset mails go there, so the current
    password is asked for, and one address belongs to one account."""

    email = forms.EmailField(label="New email address", max_length=254)
    password = forms.CharField(
        label="Your current password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def clean_email(self):
        return check_email_free(self.cleaned_data["email"], member=self.member)


class DeleteAccountForm(PasswordCheckMixin, forms.Form):
    KEEP, DELETE = "keep", "delete"

    posts = forms.ChoiceField(
        label="Your decisions and comments",
        choices=[
            (KEEP, 'Keep them, shown as by "Deleted member"'),
            (DELETE, "Delete them with my account"),
        ],
        widget=forms.RadioSelect,
        initial=KEEP,
    )
    password = forms.CharField(
        label="Your password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
        help_text="Deleting your account cannot be undone.",
    )


class StackEntryForm(forms.Form):
    """A framework in the member's stack: an optional one-line note, or
    ``remove`` to take it out."""

    note = forms.CharField(
        label="Your note (optional)",
        max_length=100,
        required=False,
        help_text='One line, e.g. "We run Django for the API".',
        widget=forms.TextInput(attrs={"maxlength": 100}),
    )
    remove = forms.BooleanField(required=False, widget=forms.HiddenInput)

    def clean_note(self):
        return visible_text(self.cleaned_data["note"])


class CommentForm(forms.ModelForm):
    class Meta:
        model = Comment
        fields = ["body"]
        labels = {"body": "Your comment"}
        help_texts = {"body": "Plain text or Markdown (links, lists, emphasis). No HTML."}
        widgets = {"body": forms.Textarea(attrs={"rows": 4, "maxlength": COMMENT_MAX_LENGTH})}

    def clean_body(self):
        text = visible_text(self.cleaned_data["body"], multiline=True)
        if not text:
            raise forms.ValidationError(
                "Write some visible text: spaces and invisible characters alone do not count.",
                code="required",
            )
        return text


class ReportForm(forms.Form):
    reason = forms.CharField(label="Why? (optional)", max_length=200, required=False)
