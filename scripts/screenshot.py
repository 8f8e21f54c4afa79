"""Take screenshots of pages of a running server in Debian's headless Chromium.

    python scripts/screenshot.py --user personal.sansalvador --out /tmp/shots / /talleres/

Logs in through the real login form first (unless --user is omitted), then saves one PNG
per path at phone (390 px) and desktop (1280 px) widths.
"""

import argparse
import re
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--user")
    parser.add_argument("--password", default="pess-demo-2026")
    parser.add_argument("--out", default="screenshots/tmp")
    parser.add_argument("--widths", default="390,1280")
    parser.add_argument("--print", action="store_true", help="also emulate print media")
    args = parser.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        for width in [int(w) for w in args.widths.split(",")]:
            page = browser.new_page(viewport={"width": width, "height": 900})
            if args.user:
                page.goto(f"{args.base}/cuenta/ingresar/")
                page.fill("#id_username", args.user)
                page.fill("#id_password", args.password)
                page.press("#id_password", "Enter")
                page.wait_for_load_state("networkidle")
            for path in args.paths:
                page.goto(f"{args.base}{path}")
                page.wait_for_load_state("networkidle")
                if args.print:
                    page.emulate_media(media="print")
                name = re.sub(r"[^a-zA-Z0-9]+", "_", path).strip("_") or "root"
                file = out / f"{name}_{width}.png"
                page.screenshot(path=str(file), full_page=True)
                print(file)
        browser.close()


if __name__ == "__main__":
    main()
