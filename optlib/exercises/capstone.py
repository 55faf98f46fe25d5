r"""Exercises of the chapter 'capstone' (filled in by its ladder)."""

from __future__ import annotations

__all__: list[str] = []
