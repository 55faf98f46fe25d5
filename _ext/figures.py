"""Sphinx extension: the chapters' static figures (the images a notebook cell outputs) can be
enlarged, and each must say what it shows.

- Click to enlarge: on HTML pages every image in a cell's output is wrapped in a link to its
  full-size file (`_images/<hash>.png`), labelled "Enlarge: <alt text>" for screen readers and
  titled "Open the figure at full size" for the pointer. No script: the browser opens the file.
- Drawn width: figures are stored at twice their resolution, with their width and height on
  the page in the output's metadata, which MyST-NB turns into the image's width and height
  and docutils into `style="width: …px; height: …px"`. The height is dropped: with both fixed,
  an image narrowed to a phone's column (`max-width: 100%`) would keep its height and be
  squashed; with the width alone the browser keeps the aspect ratio.
- Alt text: a figure's alt text comes from its cell's metadata,
  `"mystnb": {"image": {"alt": "..."}}` (MyST-NB's image options). An output image without one
  would be announced by its file name, so the build warns (and `-W` fails) naming the page.
"""

from __future__ import annotations

import posixpath
import urllib.parse

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)
ENLARGE_CLASS = "figure-enlarge"


class enlarge_link(nodes.General, nodes.Element):  # noqa: N801 (docutils node naming)
    """A link around one output image, to the image file itself (HTML only)."""


def cell_of(node: nodes.Node, element: str) -> nodes.Element | None:
    """The enclosing MyST-NB container of kind `element` ("cell_code", "cell_code_output")."""
    parent = node.parent
    while parent is not None:
        if isinstance(parent, nodes.container) and parent.get("nb_element") == element:
            return parent
        parent = parent.parent
    return None


class CellOutputFigures(SphinxPostTransform):
    """Wrap every cell-output image in an enlarge link; warn when one has no alt text."""

    default_priority = 800
    formats = ("html",)

    def run(self, **kwargs) -> None:
        for image in list(self.document.findall(nodes.image)):
            if cell_of(image, "cell_code_output") is None:
                continue
            if isinstance(image.parent, nodes.reference):
                continue
            if image.get("width") and "height" in image:
                del image["height"]  # the width alone keeps the aspect ratio when narrowed
            if not image.get("alt", "").strip():
                cell = cell_of(image, "cell_code")
                index = cell.get("cell_index") if cell is not None else "?"
                logger.warning(
                    f"figures: the image output by cell {index} (counting from 0) has no alt "
                    'text: add "mystnb": {"image": {"alt": "<what the figure shows>"}} to '
                    "that cell's metadata",
                    location=image,
                )
            link = enlarge_link()
            image.replace_self(link)
            link["classes"] = []  # replace_self gave the link the image's classes
            link.append(image)
            # Sphinx links a sized image to its file itself (html_scaled_image_link): the
            # enlarge link is that link, so one is enough.
            image["classes"].append("no-scaled-link")


def visit_enlarge_link(self, node: enlarge_link) -> None:
    image = node.next_node(nodes.image)
    uri = image["uri"]
    if uri in self.builder.images:  # the copy under _images/, as visit_image will show it
        href = posixpath.join(self.builder.imgpath, urllib.parse.quote(self.builder.images[uri]))
    else:
        href = uri
    alt = image.get("alt", "").strip() or "figure"
    self.body.append(
        self.starttag(
            node,
            "a",
            "",
            href=href,
            CLASS=f"reference internal image-reference {ENLARGE_CLASS}",
            title="Open the figure at full size",
            **{"aria-label": f"Enlarge: {alt}"},
        )
    )


def depart_enlarge_link(self, node: enlarge_link) -> None:
    self.body.append("</a>")


def skip(self, node: nodes.Node) -> None:
    """Other writers never see the node (the transform runs for HTML only)."""


def setup(app: Sphinx) -> dict:
    app.add_node(
        enlarge_link,
        html=(visit_enlarge_link, depart_enlarge_link),
        latex=(skip, skip),
        text=(skip, skip),
        man=(skip, skip),
        texinfo=(skip, skip),
    )
    app.add_post_transform(CellOutputFigures)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
