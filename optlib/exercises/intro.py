r"""Exercises of the chapter 'intro' (filled in by its ladder)."""

from __future__ import annotations

__all__: list[str] = []
