#!/usr/bin/env python
"""Django's command-line utility for administrative tasks."""

import os
import sys


def main():
    # Local settings (DEBUG on by default); gunicorn and wsgi.py use production.
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_local")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
