"""Small helpers for the chapters' notebooks."""

from __future__ import annotations

import inspect
import textwrap
import warnings
from typing import Any

from IPython.display import Code

__all__ = ["CODE_COLUMNS", "show_source"]

#: The characters a code box of the book's column holds on a line without scrolling (14 px
#: monospace in the 688 px column); optlib is formatted to it (optlib/ruff.toml).
CODE_COLUMNS = 77


def show_source(obj: Any, *, docstring: bool = True) -> Code:
    """The source of an optlib function, class or method, syntax-highlighted, so a chapter shows
    the code that runs rather than a retyped copy. ``docstring=False`` leaves out the docstring
    when the chapter has just stated the same equations. A line wider than
    :data:`CODE_COLUMNS` would scroll out of the page's code box: it is warned about."""
    source = textwrap.dedent(inspect.getsource(obj))
    if not docstring:
        doc = inspect.getdoc(obj)
        if doc and obj.__doc__:
            for quote in ('r"""', '"""'):
                start = source.find(quote)
                if start != -1:
                    end = source.find('"""', start + len(quote))
                    line_end = source.find("\n", end)
                    source = (
                        source[:start].rstrip(" ") + source[line_end + 1 :]
                    )
                    break
    wide = [line for line in source.splitlines() if len(line) > CODE_COLUMNS]
    if wide:  # printed on stderr, which fails the book's build
        name = getattr(obj, "__qualname__", repr(obj))
        warnings.warn(
            f"show_source({name}): {len(wide)} line(s) wider than the book's "
            f"code box ({CODE_COLUMNS} characters), e.g. {wide[0].strip()[:40]!r}",
            stacklevel=2,
        )
    return Code(source, language="python")
