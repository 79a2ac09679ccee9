"""Screenshot every page kind of a built site at phone, tablet and desk
widths, normal and 大字版, screen and print media, with headless Chromium.

    python bench/contact_sheet.py BUILD_DIR OUT_DIR [--widths 320,360,768,1280]

Writes OUT_DIR/<page>-<width>[-large][-print].png and OUT_DIR/index.html,
a contact sheet of all of them: look at it after any theme change.
"""

from __future__ import annotations

import argparse
import functools
import html
import http.server
import threading
from pathlib import Path

PAGES = {
    "home": "index.html",
    "budget": "budgets/yusuan-2015/index.html",
    "roster": "subsidies/gengdi-2015/index.html",
    "fund": "funds/fupin-2015/index.html",
    "decision": "decisions/jimao-shichang-jueding/index.html",
    "list": "lists/quanli-qingdan/index.html",
    "records": "subsidies/index.html",
    "catalogue": "catalogue/index.html",
    "notice": "notices/banshi-dibao/index.html",
    "search": "search/index.html?q=周琴",
    "postings": "postings/index.html",
}


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: object) -> None:
        pass


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("build", type=Path)
    ap.add_argument("out", type=Path)
    ap.add_argument("--widths", default="320,360,768,1280")
    ap.add_argument("--pages", default=",".join(PAGES))
    ap.add_argument("--full", action="store_true", help="whole page, not the first 2 screens")
    a = ap.parse_args()
    from playwright.sync_api import sync_playwright

    a.out.mkdir(parents=True, exist_ok=True)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(a.build)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/"
    shots: list[str] = []
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox", "--disable-gpu"])
            for width in map(int, a.widths.split(",")):
                for large in (False, True):
                    for media in ("screen", "print"):
                        ctx = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
                        if large:
                            ctx.add_init_script(script="try { localStorage.setItem('gk-large', '1') } catch (e) {}")
                        page = ctx.new_page()
                        page.emulate_media(media=media)
                        for name in a.pages.split(","):
                            page.goto(base + PAGES[name])
                            if name == "search":
                                page.wait_for_timeout(800)
                            png = f"{name}-{width}{'-large' if large else ''}{'-print' if media == 'print' else ''}.png"
                            h = page.evaluate("document.documentElement.scrollHeight")
                            clip = None if a.full else {"x": 0, "y": 0, "width": width, "height": min(h, 1800)}
                            page.screenshot(path=str(a.out / png), full_page=True, clip=clip)
                            shots.append(png)
                        ctx.close()
            browser.close()
    finally:
        server.shutdown()
    cells = "".join(
        f'<figure><a href="{html.escape(s)}"><img src="{html.escape(s)}" width="240" alt=""></a>'
        f"<figcaption>{html.escape(s)}</figcaption></figure>"
        for s in shots
    )
    (a.out / "index.html").write_text(
        '<!DOCTYPE html><meta charset="utf-8"><title>contact sheet</title>'
        "<style>body{display:flex;flex-wrap:wrap;gap:8px}figure{margin:0;width:240px;font:12px sans-serif}</style>"
        + cells,
        encoding="utf-8",
    )
    print(f"{len(shots)} screenshots in {a.out}")


if __name__ == "__main__":
    main()
