"""make audit: Lighthouse scores of the production server, mobile and desktop.

Starts gunicorn in production mode (DEBUG off, collectstatic, whitenoise,
the page cache) on loopback with the demo catalogue, in its own SQLite
database under test-output/audit/ unless DATABASE_URL is set, and runs
Lighthouse (npm, node_modules/.bin/lighthouse) with Debian's chromium on a
few pages: mobile (Lighthouse's default: a phone on a throttled network and
CPU, simulated) and desktop. Prints the four category scores per page and
form factor, and what held any score under 100. Reports land in
test-output/audit/ as JSON.

Environment: AUDIT_RUNS (default 1: with more, each score is the median and
the lowest is shown beside it), AUDIT_PORT (8798), AUDIT_PAGES (comma-
separated paths), AUDIT_FORMS (mobile,desktop), CHROME_PATH (default: chromium on PATH).
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import urllib.request

import prodserver
from prodserver import ROOT

OUT = ROOT / "test-output" / "audit"
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
PORT = int(os.environ.get("AUDIT_PORT", "8798"))
# "localhost" is a secure context for the browser, as https is in production.
BASE = f"http://localhost:{PORT}"
RUNS = int(os.environ.get("AUDIT_RUNS", "1"))
PAGES = os.environ.get("AUDIT_PAGES", "/compare/django-vs-flask/,/,/frameworks/django/").split(",")
CATEGORIES = ["performance", "accessibility", "best-practices", "seo"]
FORMS = os.environ.get("AUDIT_FORMS", "mobile,desktop").split(",")
CHROME_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def lighthouse(path, form, run, chrome):
    name = (path.strip("/").replace("/", "_") or "home") + f"-{form}-{run}.json"
    report = OUT / name
    cmd = [
        str(LIGHTHOUSE),
        BASE + path,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={' '.join(CHROME_FLAGS)}",
        "--max-wait-for-load=60000",
    ]
    if form == "desktop":
        cmd.append("--preset=desktop")
    env = dict(os.environ, CHROME_PATH=chrome)
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, timeout=300)
    data = json.loads(report.read_text())
    if data.get("runtimeError"):
        raise SystemExit(f"Lighthouse failed on {path}: {data['runtimeError']}")
    scores = {c: round(100 * (data["categories"][c]["score"] or 0)) for c in CATEGORIES}
    blame = []
    for category in CATEGORIES:
        for ref in data["categories"][category]["auditRefs"]:
            audit = data["audits"][ref["id"]]
            if ref["weight"] and audit["score"] is not None and audit["score"] < 1:
                value = audit.get("displayValue") or ""
                blame.append(f"{category}: {audit['title']} {value}".strip())
    tbt = data["audits"]["total-blocking-time"].get("displayValue", "")
    return scores, blame, tbt


def main():
    if not LIGHTHOUSE.exists():
        raise SystemExit("Lighthouse is missing: run `npm ci` (make audit does).")
    chrome = os.environ.get("CHROME_PATH") or shutil.which("chromium")
    if not chrome:
        raise SystemExit("chromium is needed: apt-get install -y chromium")
    env = prodserver.server_env(OUT)
    prodserver.prepare(env)
    server = prodserver.start_server(env, PORT, base=BASE)
    rows, blamed = [], {}
    try:
        for path in PAGES:
            urllib.request.urlopen(BASE + path).read()  # warm the page cache
            for form in FORMS:
                runs = [lighthouse(path, form, n, chrome) for n in range(RUNS)]
                rows.append((path, form, runs))
                for _, blame, _ in runs:
                    for line in blame:
                        blamed.setdefault((path, form), set()).add(line)
    finally:
        prodserver.stop_server(server)

    print()
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Lighthouse {lighthouse_version()}, {chrome_version(chrome)}; {RUNS} run(s) each")
    # Lighthouse's mobile CPU throttle multiplies what it measures: on a busy
    # machine, Total Blocking Time (and the performance score) suffers.
    print(f"Load average when done: {load} on {os.cpu_count()} CPU(s)")
    print(f"| {'page':<28} | {'form':<7} | {'perf':>5} | {'a11y':>5} | {'best':>5} | {'seo':>5} |"
          f" {'TBT':>8} |")  # fmt: skip
    print(f"|{'-' * 30}|{'-' * 9}|{'-' * 7}|{'-' * 7}|{'-' * 7}|{'-' * 7}|{'-' * 10}|")
    below = False
    for path, form, runs in rows:
        cells = []
        for category in CATEGORIES:
            values = [scores[category] for scores, _, _ in runs]
            median, low = round(statistics.median(values)), min(values)
            below |= low < 100
            cells.append(f"{median:>5}" if low == median else f"{median:>2} ({low})")
        tbt = max((t for _, _, t in runs), key=lambda t: float(t.split()[0].replace(",", "")))
        print(f"| {path:<28} | {form:<7} | {' | '.join(cells)} | {tbt:>8} |")
    for (path, form), lines in blamed.items():
        print(f"\n{path} ({form}) lost points on:")
        for line in sorted(lines):
            print(f"  - {line}")
    print(f"\nReports: {OUT.relative_to(ROOT)}/*.json")
    return 1 if below and os.environ.get("AUDIT_STRICT") == "1" else 0


def lighthouse_version():
    package = ROOT / "node_modules" / "lighthouse" / "package.json"
    return json.loads(package.read_text())["version"]


def chrome_version(chrome):
    result = subprocess.run([chrome, "--version"], capture_output=True, text=True)
    return result.stdout.strip() or "chromium"


if __name__ == "__main__":
    sys.exit(main())
