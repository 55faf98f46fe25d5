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


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # one line per request is noise
        pass
