"""schema.org JSON-LD for search engines, built from what the pages show."""


def _software(request, framework):
    data = {
        "@type": "SoftwareApplication",
        "name": framework.name,
        "applicationCategory": "DeveloperApplication",
        "url": request.build_absolute_uri(framework.get_absolute_url()),
    }
    if framework.tagline:
        data["description"] = framework.tagline
    if framework.website:
        data["sameAs"] = framework.website
    if framework.license:
        data["license"] = framework.license
    return data


def _breadcrumb(request, crumbs, current, url):
    items = [(c.name, request.build_absolute_uri(c.get_absolute_url())) for c in crumbs]
    items.append((current, request.build_absolute_uri(url)))
    return {
        "@type": "BreadcrumbList",
        "itemListElement": [
            {"@type": "ListItem", "position": i, "name": name, "item": link}
            for i, (name, link) in enumerate(items, start=1)
        ],
    }


def comparison_page(request, page):
    return {
        "@context": "https://schema.org",
        "@type": "WebPage",
        "name": page.title,
        "url": request.build_absolute_uri(page.canonical_url),
        "about": [_software(request, f) for f in page.frameworks],
        "breadcrumb": _breadcrumb(request, page.breadcrumb, page.title, page.canonical_url),
    }


def framework_page(request, page):
    framework = page.framework
    return {
        "@context": "https://schema.org",
        **_software(request, framework),
        "breadcrumb": _breadcrumb(
            request, page.breadcrumb, framework.name, framework.get_absolute_url()
        ),
    }
