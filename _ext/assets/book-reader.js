// The book's own script, loaded on every page (see _ext/book_assets.py).
//
// Phone navigation. sphinx-book-theme 1.3.0 draws its own sidebar buttons (`.primary-toggle`,
// `.secondary-toggle`) in the article header, and pydata-sphinx-theme 0.17 added a second
// `.primary-toggle` to its (hidden) top bar. The theme binds its open-the-panel handler with
// `document.querySelector(".primary-toggle")` (and ".secondary-toggle"), i.e. to the FIRST such
// button only — the hidden one — so the buttons a reader can see on a phone show their tooltip
// and open nothing. Upstream: pydata/pydata-sphinx-theme#2451, executablebooks/sphinx-book-theme#988.
//
// Work-around: a click on a visible toggle that no theme handler took (the theme's handlers
// call preventDefault, so a handled click arrives here with defaultPrevented set) is handed to
// the button the theme did bind. If upstream binds every button, this does nothing.
(() => {
  "use strict";
  document.addEventListener("click", (event) => {
    if (event.defaultPrevented) return;
    for (const kind of ["primary-toggle", "secondary-toggle"]) {
      const pressed = event.target.closest?.(`.${kind}`);
      if (!pressed) continue;
      const bound = document.querySelector(`.${kind}`);
      if (!bound || bound === pressed) return;
      event.preventDefault();
      pressed.blur(); // and its tooltip with it
      window.bootstrap?.Tooltip?.getInstance?.(pressed)?.hide();
      bound.click();
      return;
    }
  });

  // A link to a section of this page, chosen in a sidebar panel on a phone, closes the panel
  // (the theme leaves it open over the section the reader asked for).
  document.addEventListener("click", (event) => {
    const link = event.target.closest?.("dialog[open] a[href*='#']");
    const dialog = link?.closest("dialog");
    if (!link || !dialog || link.pathname !== location.pathname) return;
    setTimeout(() => dialog.open && dialog.close(), 0);
  });
})();
