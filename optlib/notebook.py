"""Small helpers for the chapters' notebooks."""

from __future__ import annotations

import inspect
import textwrap
from typing import Any

from IPython.display import Code

__all__ = ["show_source"]


def show_source(obj: Any, *, docstring: bool = True) -> Code:
    """The source of an optlib function, class or method, syntax-highlighted, so a chapter shows
    the code that runs rather than a retyped copy. ``docstring=False`` leaves out the docstring
    when the chapter has just stated the same equations."""
    source = textwrap.dedent(inspect.getsource(obj))
    if not docstring:
        doc = inspect.getdoc(obj)
        if doc and obj.__doc__:
            for quote in ('r"""', '"""'):
                start = source.find(quote)
                if start != -1:
                    end = source.find('"""', start + len(quote))
                    line_end = source.find("\n", end)
                    source = source[:start].rstrip(" ") + source[line_end + 1 :]
                    break
    return Code(source, language="python")
