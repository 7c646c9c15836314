"""One account per email address, whatever its case, held by the database.

The sign-up form checks ``email__iexact`` first, but two sign-ups at the same
moment both pass that check. Django cannot declare a constraint on
``auth.User`` from another app, so this is a unique expression index created
with SQL that SQLite and PostgreSQL both understand. Empty emails (demo
authors, ``createsuperuser`` without one) are left out. A database that
already holds two accounts with one email must merge them before migrating.
"""

from django.db import migrations

INDEX = "auth_user_email_ci_uniq"


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("frameworks", "0005_decision_status"),
    ]

    operations = [
        migrations.RunSQL(
            sql=f"CREATE UNIQUE INDEX {INDEX} ON auth_user (LOWER(email)) WHERE email <> ''",
            reverse_sql=f"DROP INDEX {INDEX}",
        ),
    ]
