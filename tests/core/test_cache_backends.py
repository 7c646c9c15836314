"""core.cache_backends.SharedFileCache: Django's file-based cache, culled
as Django culls it but listing its files once per tenth of MAX_ENTRIES
writes, so a write costs the same however many entries it holds."""

from core.cache_backends import SharedFileCache


def test_the_files_are_listed_once_per_tenth_of_max_entries_writes(tmp_path, monkeypatch):
    cache = SharedFileCache(str(tmp_path), {"OPTIONS": {"MAX_ENTRIES": 100}})
    listed = []
    listing = cache._list_cache_files
    monkeypatch.setattr(cache, "_list_cache_files", lambda: listed.append(1) or listing())

    for index in range(300):
        cache.set(f"key{index}", index)

    assert len(listed) == 30  # once per 10 writes, not once per write
    entries = len(listing())
    assert 0 < entries <= 100 + 10  # culled, a tenth over MAX_ENTRIES at most
    assert cache.get("key299") == 299
