"""The statistics' cache tags: a snapshot is part of its framework's figures
(``framework:<pk>``, charts and trends) and of the catalogue's "stars
gained" ranking (``catalogue``); ``signals.py`` bumps them."""

from frameworks.cache import CATALOGUE

#: Tables of this app, as ``frameworks.cache.READS``.
READS = {
    "stats.StatSnapshot": ("framework", CATALOGUE),
    "stats.ReleaseSeries": ("framework",),
    "stats.Advisory": ("framework",),
    "stats.HealthSignal": ("framework",),
}
