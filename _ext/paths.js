// html-manager resolves its own modules (and so its icon fonts) against the page's folder;
// point it at the local copy in _static/widgets instead, wherever the page sits in the book.
require.config({
  paths: {
    "@jupyter-widgets/html-manager/dist": new URL(
      "_static/widgets",
      new URL(document.documentElement.dataset.content_root || "./", document.baseURI)
    ).href,
  },
});
