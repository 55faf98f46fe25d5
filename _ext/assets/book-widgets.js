// Explorers drawn when the reader comes near them, not with the page.
//
// _ext/book_assets.py takes each page's widget state (the explorers' frames: most of a chapter's
// weight) out of the page into one script per explorer, listed in a
// <script type="application/vnd.book.widget-states+json"> as [{src, views: [model ids]}].
// When the first explorer comes within a screen or two of the viewport, this script loads the
// widget manager (require.js, paths.js, embed-amd.js from _static/widgets); then, for each
// explorer near the viewport, it fetches its state and draws its views exactly as the manager's
// renderWidgets does on a page with the state inline: one HTMLManager per state, set_state, and
// each view displayed in a new div.widget-subarea just before its view <script>. (The
// manager's own renderWidgets also runs when embed-amd.js loads; it finds no inline state on
// the page and draws nothing.)
(() => {
  const list = document.querySelector('script[type="application/vnd.book.widget-states+json"]');
  if (!list) return;
  const root = new URL(document.documentElement.dataset.content_root || "./", document.baseURI);
  const at = (path) => new URL(path, root).href;

  const script = (path) =>
    new Promise((resolve, reject) => {
      const tag = document.createElement("script");
      tag.src = at(path);
      tag.onload = resolve;
      tag.onerror = () => reject(new Error(`book-widgets: could not load ${path}`));
      document.head.append(tag);
    });
  const amd = (modules) =>
    new Promise((resolve, reject) => {
      window.require(modules, (...loaded) => resolve(loaded), reject);
    });
  const MANAGER = "@jupyter-widgets/html-manager";

  let manager = null; // the widget manager's modules, loaded once
  const loadManager = () =>
    (manager ??= script("_static/widgets/require.js")
      .then(() => script("_static/widgets/paths.js"))
      .then(() => script("_static/widgets/embed-amd.js"))
      .then(() => amd([MANAGER, `${MANAGER}/dist/libembed-amd`]))
      .then(([html, embed]) => ({ HTMLManager: html.HTMLManager, loader: embed.requireLoader })));

  const viewScripts = new Map(); // model id → its view <script>
  const VIEW = 'script[type="application/vnd.jupyter.widget-view+json"]';
  for (const tag of document.querySelectorAll(VIEW)) {
    try {
      viewScripts.set(JSON.parse(tag.textContent).model_id, tag);
    } catch {
      // not a view we can draw; the manager would have thrown on it
    }
  }

  async function draw({ src, views }) {
    const [{ HTMLManager, loader }, state] = await Promise.all([
      loadManager(),
      // Loaded as a script (it sets window.bookWidgetStates[src]), which works from file://
      // as well as over http, where fetch() of a local file would not.
      script(src).then(() => {
        const state = window.bookWidgetStates?.[src];
        if (!state) throw new Error(`book-widgets: ${src} gave no widget state`);
        delete window.bookWidgetStates[src];
        return state;
      }),
    ]);
    const widgets = new HTMLManager({ loader });
    const models = await widgets.set_state(state);
    await Promise.all(
      views.map(async (id) => {
        const tag = viewScripts.get(id);
        const model = models.find((m) => m.model_id === id);
        if (!tag || !model || !tag.parentElement) return;
        const fallback = tag.previousElementSibling;
        if (fallback?.tagName === "IMG" && fallback.classList.contains("jupyter-widget")) {
          fallback.remove();
        }
        const area = document.createElement("div");
        area.className = "widget-subarea";
        tag.parentElement.insertBefore(area, tag);
        widgets.display_view(await widgets.create_view(model), area);
      }),
    );
  }

  // Near = within 1.5 screens above or below what is shown: drawn before the reader gets there.
  const pending = new Map(); // the element watched → its explorer
  const observer = new IntersectionObserver(
    (entries) => {
      for (const entry of entries) {
        const explorer = pending.get(entry.target);
        if (!entry.isIntersecting || !explorer) continue;
        for (const [element, other] of pending) {
          if (other === explorer) {
            observer.unobserve(element);
            pending.delete(element);
          }
        }
        draw(explorer).catch((error) => console.error(error));
      }
    },
    { rootMargin: "150% 0px" },
  );
  for (const explorer of JSON.parse(list.textContent)) {
    for (const id of explorer.views) {
      const element = viewScripts.get(id)?.parentElement;
      if (element) {
        pending.set(element, explorer);
        observer.observe(element);
      }
    }
  }
})();
