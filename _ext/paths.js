// html-manager's modules find their files (icon fonts, the ipywidgets 7 modules) next to where
// require.js thinks they live, by default the page's own folder (chapters/@jupyter-widgets/…, a
// 404 as soon as a drop-down list asks for Font Awesome). Point every @jupyter-widgets module at
// the local copy in _static/widgets instead, wherever the page sits in the book.
(() => {
  const root = new URL(document.documentElement.dataset.content_root || "./", document.baseURI);
  const widgets = new URL("_static/widgets", root).href;
  window.__jupyter_widgets_assets_path__ = `${widgets}/`; // html-manager's public path
  require.config({
    paths: {
      "@jupyter-widgets": widgets, // @jupyter-widgets/controls → _static/widgets/controls.js
      "@jupyter-widgets/html-manager/dist": widgets,
    },
  });
})();
