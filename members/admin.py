from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from .forms import MemberChangeForm
from .models import Profile


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ["user", "headline", "is_demo"]
    list_filter = ["is_demo"]
    search_fields = ["user__username", "headline"]
    autocomplete_fields = ["user"]
    # Set by load_demo only: flagging a real account would hand it demo posts.
    readonly_fields = ["is_demo"]


# Members: Django's user admin, with the one-account-per-email rule as a form error.
admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class MemberAdmin(UserAdmin):
    form = MemberChangeForm
