"""What the site check (tests/test_site.py) and the widget-latency benchmark
(benchmarks/run.py) share: how Chromium is started, how a picture is fingerprinted, and a quiet
local server. It lives with the build's plumbing, not in tests/, and imports no pytest, so that
both can import it (each puts _ext/ on its path)."""

from __future__ import annotations

import http.server

CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# A fingerprint of the picture an explorer shows now (the visible image's pixels).
VISIBLE_PICTURE = """(root) => {
  const img = [...root.querySelectorAll('.widget-image')].find(i => i.offsetParent !== null);
  if (!img || !img.complete || !img.naturalWidth) return null;
  const canvas = document.createElement('canvas');
  canvas.width = img.naturalWidth; canvas.height = img.naturalHeight;
  const context = canvas.getContext('2d');
  context.drawImage(img, 0, 0);
  const pixels = context.getImageData(0, 0, canvas.width, canvas.height).data;
  let hash = 0;
  for (let i = 0; i < pixels.length; i += 3) hash = (hash * 31 + pixels[i]) >>> 0;
  return hash;
}"""


# Explorers are drawn when the reader comes near them (_ext/assets/book-widgets.js). To see them
# all: scroll to each in turn (returns how many views there are), then wait until every view
# has been drawn by the widget manager.
WIDGET_VIEWS = 'script[type="application/vnd.jupyter.widget-view+json"]'
VISIT_EXPLORERS = f"""async () => {{
  const views = document.querySelectorAll('{WIDGET_VIEWS}');
  for (const view of views) {{
    view.parentElement.scrollIntoView({{block: 'center'}});
    await new Promise(done => setTimeout(done, 300));
  }}
  return views.length;
}}"""
EXPLORERS_DRAWN = f"""() => [...document.querySelectorAll('{WIDGET_VIEWS}')]
  .every(view => view.parentElement.querySelector('.jupyter-widgets'))"""


def bytes_sent(tab, server: str) -> dict[str, int]:
    """A dict that fills, as `tab` loads, with the bytes (body and headers) of each response
    from `server`: what a page costs to fetch, counted where it is served."""
    sent: dict[str, int] = {}

    def finished(request) -> None:
        if request.url.startswith(server):
            try:
                sizes = request.sizes()
            except Exception:  # finished as the tab closed: not part of the measured load
                return
            sent[request.url] = sizes["responseBodySize"] + sizes["responseHeadersSize"]

    tab.on("requestfinished", finished)
    return sent


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # one line per request is noise
        pass
