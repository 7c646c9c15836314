"""make screenshots: the main pages at 375 px and 1280 px, into docs/screenshots/.

Starts the production server with the demo catalogue (as `make audit`
does, in its own SQLite database under test-output/screenshots-server/) and
photographs the top of each page, one screen tall, with Debian's chromium
driven by Playwright. README.md shows the comparison page from here.

Environment: SCREENSHOTS_PORT (8797), CHROME_PATH (default: chromium on PATH).
"""

import os
import shutil

import prodserver
from prodserver import ROOT

OUT = ROOT / "docs" / "screenshots"
PORT = int(os.environ.get("SCREENSHOTS_PORT", "8797"))
BASE = f"http://localhost:{PORT}"
PAGES = {
    "comparison": "/compare/django-vs-flask/",
    "comparison-table": "/compare/django-vs-flask/#comparison",
    "home": "/",
    "framework": "/frameworks/django/",
    "catalogue": "/frameworks/",
}
SIZES = {"phone": (375, 812), "desktop": (1280, 900)}


def main():
    from playwright.sync_api import sync_playwright

    chrome = os.environ.get("CHROME_PATH") or shutil.which("chromium")
    if not chrome:
        raise SystemExit("chromium is needed: apt-get install -y chromium")
    env = prodserver.server_env(ROOT / "test-output" / "screenshots-server")
    prodserver.prepare(env)
    server = prodserver.start_server(env, PORT, base=BASE)
    OUT.mkdir(parents=True, exist_ok=True)
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chrome, args=["--no-sandbox"])
            for size, (width, height) in SIZES.items():
                context = browser.new_context(
                    viewport={"width": width, "height": height},
                    is_mobile=size == "phone",
                    reduced_motion="reduce",
                    color_scheme="light",
                )
                page = context.new_page()
                for name, path in PAGES.items():
                    page.goto(BASE + path, wait_until="networkidle")
                    target = OUT / f"{name}-{width}.png"
                    page.screenshot(path=target)
                    print(f"{target.relative_to(ROOT)}  {BASE}{path} at {width} px")
                context.close()
            browser.close()
    finally:
        prodserver.stop_server(server)


if __name__ == "__main__":
    main()
