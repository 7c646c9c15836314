"""The site's date formats (``FORMAT_MODULE_PATH``): ``en/formats.py``."""
