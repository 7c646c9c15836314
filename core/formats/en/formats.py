"""How every page of the site writes a date: "1 Jun 2025".

Django reads this module for the site's language (settings
``FORMAT_MODULE_PATH``), before its own English formats ("June 1, 2025",
"Jun. 1, 2025, 1:10 p.m."). So the admin's lists and forms, the public
Jinja2 templates (``|date`` without an argument, or with one of these names:
``|date("DATETIME_FORMAT")``) and Python code (``date_format(day)``) all
write the same date. tests/test_date_formats.py keeps templates and code to
these names.

Machine-readable dates (``datetime=""`` attributes, feeds, the API, CSV and
JSON exports) stay ISO 8601.
"""

DATE_FORMAT = "j M Y"  # 1 Jun 2025
DATETIME_FORMAT = "j M Y, H:i"  # 1 Jun 2025, 13:10
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "M Y"  # Jun 2025
MONTH_DAY_FORMAT = "j M"  # 1 Jun
SHORT_DATE_FORMAT = "j M Y"
SHORT_DATETIME_FORMAT = "j M Y, H:i"
