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

// Kernel-free explorers (optlib.widgets.explorer): sliders that say what they are and what they
// are set to, and pictures that say what they show.
//
// The widget manager renders the explorers after the page has loaded. Each slider's handle
// (noUiSlider's `role="slider"`) has no accessible name, and noUiSlider announces the option's
// INDEX ("0", "1", …) as aria-valuetext, rewriting it on every move; the picture (an <img>
// swapped by the Stack on every move) has no alt. So, for every explorer, whenever anything in
// it changes: each handle is named by its caption and announces its readout ("0.01", "cosine"),
// and the visible picture gets an alt text naming its section and the setting it shows. On a
// desktop the captions of one explorer are made equally wide (--book-widget-label, used by
// book-reader.css) so that its tracks line up; on a phone each caption has a line of its own.
(() => {
  "use strict";
  const text = (element) => (element?.textContent ?? "").replace(/\s+/g, " ").trim();

  function refresh(box) {
    const sliders = [...box.querySelectorAll(".widget-slider")];
    const setting = [];
    sliders.forEach((slider, i) => {
      const label = slider.querySelector(".widget-label");
      const handle = slider.querySelector(".noUi-handle");
      const readout = text(slider.querySelector(".widget-readout"));
      const caption = text(label) || `setting ${i + 1}`;
      if (label?.getAttribute("title") === "null") label.removeAttribute("title");
      if (label) label.id ||= `book-widget-label-${Math.random().toString(36).slice(2, 10)}`;
      if (handle) {
        if (label && handle.getAttribute("aria-labelledby") !== label.id) {
          handle.setAttribute("aria-labelledby", label.id);
        }
        if (readout && handle.getAttribute("aria-valuetext") !== readout) {
          handle.setAttribute("aria-valuetext", readout);
        }
      }
      setting.push(readout ? `${caption} = ${readout}` : caption);
    });
    const section = box.closest("section")?.querySelector(":scope > :is(h1, h2, h3, h4)");
    const title = section
      ? [...section.childNodes]
          .filter((node) => !node.classList?.contains("headerlink"))
          .map((node) => node.textContent)
          .join("")
          .replace(/\s+/g, " ")
          .trim()
      : "";
    const where = title ? ` in “${title}”` : "";
    const alt = setting.length
      ? `The explorer's figure${where} for ${setting.join(", ")} ` +
        "(the sliders above choose the setting shown)."
      : "";
    for (const image of box.querySelectorAll("img.widget-image")) {
      if (alt && image.getAttribute("alt") !== alt) image.setAttribute("alt", alt);
    }
  }

  // The captions' common width: that of the widest, measured at its natural width (only where
  // the captions sit beside their tracks; again once the fonts have loaded or the width changes).
  const desktop = window.matchMedia("(min-width: 576px)");
  const drawn = new Map(); // explorer -> how many sliders it had when its tracks were aligned
  function alignTracks(box) {
    drawn.set(box, box.querySelectorAll(".widget-slider").length);
    box.style.removeProperty("--book-widget-label");
    if (!desktop.matches) return;
    const labels = [...box.querySelectorAll(".widget-slider > .widget-label")];
    const widest = Math.max(0, ...labels.map((label) => Math.ceil(label.scrollWidth)));
    if (widest) box.style.setProperty("--book-widget-label", `${widest}px`);
  }

  const watched = new Set();
  const realign = () => watched.forEach(alignTracks);
  desktop.addEventListener("change", realign);
  document.fonts?.ready.then(realign);

  function watch() {
    for (const slider of document.querySelectorAll(".widget-slider")) {
      const box = slider.closest(".widget-subarea") ?? slider.parentElement;
      if (!box || watched.has(box)) continue;
      watched.add(box);
      let pending = false;
      const observer = new MutationObserver(() => {
        if (pending) return;
        pending = true;
        queueMicrotask(() => {
          pending = false;
          refresh(box);
          const sliders = box.querySelectorAll(".widget-slider").length;
          if (sliders !== drawn.get(box)) alignTracks(box); // a slider was drawn since
        });
      });
      observer.observe(box, {
        subtree: true,
        childList: true,
        characterData: true,
        attributes: true,
        attributeFilter: ["aria-valuetext"],
      });
      refresh(box);
      alignTracks(box);
    }
  }

  let scheduled = false;
  const pageObserver = new MutationObserver(() => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      watch();
    });
  });
  const start = () => {
    watch();
    pageObserver.observe(document.body, { childList: true, subtree: true });
  };
  if (document.body) start();
  else document.addEventListener("DOMContentLoaded", start);
})();
