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
    const setting = [];
    // The controls in order: a drop-down list (a grid of names) is a <select> with its <label>,
    // which names it and announces its choice; a slider needs both done by hand.
    [...box.querySelectorAll(".widget-slider, .widget-dropdown")].forEach((slider, i) => {
      const label = slider.querySelector(".widget-label");
      if (slider.classList.contains("widget-dropdown")) {
        const choice = text(slider.querySelector("select")?.selectedOptions[0]);
        const caption = text(label) || `setting ${i + 1}`;
        if (choice) setting.push(`${caption} = ${choice}`);
        return;
      }
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
        "(the controls above choose the setting shown)."
      : "";
    // A frame that says what it shows (optlib.widgets.explorer's describe=) carries the text
    // in a hidden element beside its picture: that text, then the setting, is the alt.
    for (const image of box.querySelectorAll("img.widget-image")) {
      const own = text(image.parentElement?.querySelector(":scope > .widget-html .optlib-alt"));
      const said = own ? `${own} (${setting.join(", ")})` : alt;
      if (said && image.getAttribute("alt") !== said) image.setAttribute("alt", said);
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
    const labels = [
      ...box.querySelectorAll(":is(.widget-slider, .widget-dropdown) > .widget-label"),
    ];
    const widest = Math.max(0, ...labels.map((label) => Math.ceil(label.scrollWidth)));
    if (widest) box.style.setProperty("--book-widget-label", `${widest}px`);
  }

  const watched = new Set();
  const realign = () => watched.forEach(alignTracks);
  desktop.addEventListener("change", realign);
  document.fonts?.ready.then(realign);

  function watch() {
    for (const slider of document.querySelectorAll(".widget-slider, .widget-dropdown")) {
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

// Search results that read as text.
//
// Sphinx's search page builds each result's summary from the page's HTML file
// (`Search.htmlToText`: the text of `[role=main]`, less scripts, styles and header links). On
// these pages that text carries the article's header buttons (".pdf"), the printed table of
// contents, code cells and their outputs, and the math as its TeX source (`\(\theta_{t+1}\)`),
// because MathJax typesets it only in the browser. Here the page is cleaned before Sphinx reads
// it: the machinery is dropped and each formula is replaced by a plain-text reading of it
// (θₜ₊₁ = θₜ − η∇L(θₜ)); Sphinx's own function then does the rest, anchors included.
(() => {
  "use strict";
  const GREEK = {
    alpha: "α", beta: "β", gamma: "γ", delta: "δ", epsilon: "ε", varepsilon: "ε", zeta: "ζ",
    eta: "η", theta: "θ", vartheta: "ϑ", iota: "ι", kappa: "κ", lambda: "λ", mu: "μ", nu: "ν",
    xi: "ξ", pi: "π", rho: "ρ", sigma: "σ", tau: "τ", upsilon: "υ", phi: "φ", varphi: "φ",
    chi: "χ", psi: "ψ", omega: "ω", Gamma: "Γ", Delta: "Δ", Theta: "Θ", Lambda: "Λ", Xi: "Ξ",
    Pi: "Π", Sigma: "Σ", Phi: "Φ", Psi: "Ψ", Omega: "Ω",
  };
  const SYMBOLS = {
    ...GREEK,
    nabla: "∇", partial: "∂", infty: "∞", cdot: "·", cdots: "⋯", ldots: "…", dots: "…",
    times: "×", div: "÷", pm: "±", mp: "∓", le: "≤", leq: "≤", ge: "≥", geq: "≥", ne: "≠",
    neq: "≠", approx: "≈", sim: "∼", simeq: "≃", equiv: "≡", propto: "∝", ll: "≪", gg: "≫",
    in: "∈", notin: "∉", subset: "⊂", subseteq: "⊆", cup: "∪", cap: "∩", to: "→",
    rightarrow: "→", leftarrow: "←", Rightarrow: "⇒", Leftarrow: "⇐", iff: "⇔", mapsto: "↦",
    gets: "←", sum: "∑", prod: "∏", int: "∫", odot: "⊙", otimes: "⊗", oplus: "⊕", circ: "∘",
    top: "⊤", perp: "⊥", forall: "∀", exists: "∃", emptyset: "∅", ell: "ℓ", star: "⋆",
    ast: "∗", mid: "|", vert: "|", lvert: "|", rvert: "|", Vert: "‖", lVert: "‖", rVert: "‖",
    langle: "⟨", rangle: "⟩", lfloor: "⌊", rfloor: "⌋", lceil: "⌈", rceil: "⌉",
    lbrace: "{", rbrace: "}", "{": "{", "}": "}", "|": "‖", "%": "%", "&": "&", "#": "#",
    _: "_", prime: "′", sqrt: "√", quad: " ", qquad: " ", ",": " ", ";": " ", ":": " ",
    " ": " ", "!": "", colon: ":", log: "log", ln: "ln", exp: "exp", min: "min", max: "max",
    arg: "arg", lim: "lim", sup: "sup", inf: "inf", sin: "sin", cos: "cos", tan: "tan",
    det: "det", tr: "tr", sign: "sign", diag: "diag", E: "E", Pr: "Pr",
  };
  // Commands that only size or style what follows: dropped, their argument kept.
  const DROPPED = new Set([
    "left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr", "biggl",
    "biggr", "displaystyle", "textstyle", "scriptstyle", "limits", "nolimits", "mathrm",
    "mathbf", "mathit", "mathsf", "mathtt", "mathcal", "mathbb", "mathfrak", "boldsymbol",
    "bm", "text", "textrm", "textit", "textbf", "operatorname", "widehat", "overline",
    "widetilde", "underbrace", "overbrace",
    "underline", "phantom", "label", "nonumber", "notag", "tag", "mathop", "boxed", "color",
  ]);
  const SUB = { "0": "₀", "1": "₁", "2": "₂", "3": "₃", "4": "₄", "5": "₅", "6": "₆", "7": "₇",
    "8": "₈", "9": "₉", "+": "₊", "-": "₋", "−": "₋", "=": "₌", "(": "₍", ")": "₎", a: "ₐ",
    e: "ₑ", h: "ₕ", i: "ᵢ", j: "ⱼ", k: "ₖ", l: "ₗ", m: "ₘ", n: "ₙ", o: "ₒ", p: "ₚ", r: "ᵣ",
    s: "ₛ", t: "ₜ", u: "ᵤ", v: "ᵥ", x: "ₓ", "β": "ᵦ", "γ": "ᵧ", "ρ": "ᵨ", "φ": "ᵩ", "χ": "ᵪ" };
  const SUP = { "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷",
    "8": "⁸", "9": "⁹", "+": "⁺", "-": "⁻", "−": "⁻", "=": "⁼", "(": "⁽", ")": "⁾", a: "ᵃ",
    b: "ᵇ", c: "ᶜ", d: "ᵈ", e: "ᵉ", f: "ᶠ", g: "ᵍ", h: "ʰ", i: "ⁱ", j: "ʲ", k: "ᵏ", l: "ˡ",
    m: "ᵐ", n: "ⁿ", o: "ᵒ", p: "ᵖ", r: "ʳ", s: "ˢ", t: "ᵗ", u: "ᵘ", v: "ᵛ", w: "ʷ", x: "ˣ",
    y: "ʸ", z: "ᶻ", T: "ᵀ", "⊤": "ᵀ", "′": "′", "*": "*", "β": "ᵝ", "γ": "ᵞ", "θ": "ᶿ" };

  // The argument of a command or script at `i`: a {group} or a single character.
  function argument(tex, i) {
    while (tex[i] === " ") i++;
    if (tex[i] === "\\") {
      const name = /^\\([A-Za-z]+|.)/.exec(tex.slice(i))?.[0] ?? "\\";
      return [name, i + name.length];
    }
    if (tex[i] !== "{") return [tex[i] ?? "", i + 1];
    let depth = 0;
    for (let j = i; j < tex.length; j++) {
      if (tex[j] === "{") depth++;
      else if (tex[j] === "}" && --depth === 0) return [tex.slice(i + 1, j), j + 1];
    }
    return [tex.slice(i + 1), tex.length];
  }

  // A script as Unicode sub- or superscript characters, or in brackets when one has none.
  function script(text, table, mark) {
    const chars = [...text.replace(/\s+/g, "")];
    if (chars.length && chars.every((c) => c in table)) return chars.map((c) => table[c]).join("");
    return chars.length === 1 ? `${mark}${text}` : `${mark}(${text})`;
  }

  // Accents over one letter (ŷ, θ̃, ḡ), as combining characters.
  const ACCENTS = { hat: "\u0302", tilde: "\u0303", bar: "\u0304", dot: "\u0307",
    ddot: "\u0308", vec: "\u20d7" };

  const grouped = (text) => (/^[\p{L}\p{M}\p{N}.′]*$/u.test(text) ? text : `(${text})`);

  // TeX as plain text: what a reader would read aloud, close enough for a search summary.
  function texToText(source) {
    const tex = source
      .trim()
      .replace(/^\\\(|\\\)$|^\\\[|\\\]$|^\$\$|\$\$$/g, "")
      .replace(/\\(begin|end)\{[^}]*\}(\{[^}]*\})?/g, " ")
      .replace(/\\\\/g, "; ")
      .replace(/&/g, " ");
    let out = "";
    for (let i = 0; i < tex.length; ) {
      const c = tex[i];
      if (c === "\\") {
        const name = /^\\([A-Za-z]+|.)/.exec(tex.slice(i))?.[1] ?? "";
        i += 1 + name.length;
        if (name === "frac" || name === "dfrac" || name === "tfrac") {
          const [top, j] = argument(tex, i);
          const [bottom, k] = argument(tex, j);
          out += `${grouped(texToText(top))}/${grouped(texToText(bottom))}`;
          i = k;
          if (/[\p{L}\p{N}\\]/u.test(tex[i] ?? "")) out += " "; // ½λ reads as 1/2 λ
        } else if (name === "sqrt") {
          const [inner, j] = argument(tex, i);
          out += `√${grouped(texToText(inner))}`;
          i = j;
        } else if (name in ACCENTS) {
          const [inner, j] = argument(tex, i);
          out += texToText(inner) + ACCENTS[name];
          i = j;
        } else if (DROPPED.has(name)) {
          if (name === "color") i = argument(tex, i)[1]; // \color{red}{x}: the colour goes
        } else {
          const symbol = SYMBOLS[name] ?? name;
          out += symbol;
          // \ln\rho, \log x: a word is followed by a space unless a bracket or space comes next
          if (/^[A-Za-z]{2,}$/.test(symbol) && /^[^\s(\[{_^]/.test(tex[i] ?? "")) out += " ";
          else if (/^[A-Za-z]+$/.test(name) && /^[A-Za-z]/.test(tex[i] ?? "")) out += " ";
        }
      } else if (c === "_" || c === "^") {
        const [inner, j] = argument(tex, i + 1);
        const text = texToText(inner);
        out += c === "_" ? script(text, SUB, "_") : script(text, SUP, "^");
        i = j;
      } else if (c === "{" || c === "}") {
        i++;
      } else {
        out += c === "-" ? "−" : c;
        i++;
      }
    }
    return out.replace(/\s+/g, " ").trim();
  }

  // What a summary leaves out: the page's furniture, buttons, the code and what it printed.
  const MACHINERY = [
    ".bd-header-article", ".onlyprint", "#jb-print-docs-body", ".bd-sidebar-secondary",
    "#searchbox", "footer", "dialog", "button", ".headerlink", ".cell", ".toggle-hidden-text",
    "script", "style", "noscript", ".widget-area", ".jupyter-widgets", "img", "svg",
  ].join(", ");

  function cleaned(htmlString) {
    const html = new DOMParser().parseFromString(htmlString, "text/html");
    html.querySelectorAll(MACHINERY).forEach((element) => element.remove());
    for (const math of html.querySelectorAll(".math")) {
      const eqno = math.querySelector(".eqno");
      const number = eqno?.textContent.trim();
      eqno?.remove();
      const text = texToText(math.textContent);
      math.textContent = math.tagName === "DIV" ? ` ${text} ` : text;
      if (number) math.textContent += ` ${number} `;
    }
    return html.documentElement.outerHTML;
  }

  window.bookTexToText = texToText; // for the site check
  const install = () => {
    if (typeof Search === "undefined" || Search.htmlToText.bookCleaned) return;
    const original = Search.htmlToText;
    Search.htmlToText = (htmlString, anchor) => original(cleaned(htmlString), anchor);
    Search.htmlToText.bookCleaned = true;
  };
  install();
  document.addEventListener("DOMContentLoaded", install);
})();
