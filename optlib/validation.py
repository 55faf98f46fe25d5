r"""Checks of arguments, shared by every layer of optlib: one way to say "this value is invalid".

Every public function of optlib checks its arguments before it does any work and raises
:class:`ValueError` with a message that names the argument and the offending value. The
optimizers use PyTorch's messages word for word (``Invalid learning rate: -0.1``); the rest of
the library says what was expected (``n_samples must be an integer >= 2, got 1``).

A message is a template with ``{value}`` (or ``{value!r}``) where the value goes::

    check("Invalid learning rate: {value}", lr, nonnegative)

For an array, ``value`` is its first offending entry, so a sweep of 1,000 rates names the one
that is wrong. NaN fails every comparison, so every predicate rejects it. A value that is not a
real number is shown by its ``repr`` even under ``{value}``, so that the string ``"0.1"`` reads
``Invalid learning rate: '0.1'``, not like the number 0.1.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = [
    "Hyper",
    "at_least_one",
    "binary",
    "check",
    "check_flag",
    "check_number",
    "check_whole",
    "finite",
    "finite_nonnegative",
    "finite_positive",
    "is_number",
    "nonnegative",
    "open_unit_interval",
    "positive",
    "real_array",
    "refuse_first",
    "unit_interval",
]

#: A hyperparameter: a number, or an array whose axes name settings of a sweep.
Hyper = float | np.ndarray
#: A vectorised test of validity: entries -> booleans.
Predicate = Callable[[np.ndarray], np.ndarray]


class _Shown:
    """A value that formats as its ``repr`` under ``{value}`` as under ``{value!r}``."""

    def __init__(self, value: Any) -> None:
        self.text = repr(value)

    def __format__(self, spec: str) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text


def _shown(value: Any) -> Any:
    """``value`` for a message: itself if it is a real number or an array, else its ``repr``
    (a string ``'0.1'`` must not read like the number 0.1, nor ``Decimal('0.1')``)."""
    return (
        value
        if isinstance(value, (numbers.Real, np.ndarray))
        else _Shown(value)
    )


def real_array(what: str, values: Any, kinds: str = "biuf") -> np.ndarray:
    """``values`` as a NumPy array of real numbers (of their own dtype), or a ``TypeError`` whose
    message begins with ``what`` (``"y must be an array of real numbers"``) and says what came
    instead: strings, ``None``, complex numbers (NumPy would drop the imaginary part), ragged
    lists. ``kinds`` are the NumPy dtype kinds allowed (``"iuf"``: no booleans)."""
    try:
        array = np.asarray(values)
    except ValueError:  # ragged nested sequences
        raise TypeError(f"{what}; got a ragged sequence") from None
    if array.dtype.kind not in kinds:
        got = (
            f"dtype {array.dtype}"
            if array.dtype.kind != "O"
            else type(values).__name__
        )
        raise TypeError(f"{what}; got {got}")
    return array


def refuse_first(
    message: str, name: str, values: np.ndarray, bad: np.ndarray
) -> None:
    """Raise ``ValueError`` with ``message`` and the first entry where ``bad`` holds, by its
    index — the row of a data set: ``"y must be finite; y[4] is nan"``."""
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(
            f"{message}; {name}[{', '.join(map(str, index))}] is {values[index]:g}"
        )


def check(message: str, value: Any, valid: Predicate) -> None:
    """Raise ``ValueError(message.format(value=...))`` unless every entry of ``value`` is valid.

    ``value`` may be a number or an array; for an array the message shows its first offending
    entry. A value that is not numeric at all is invalid, and shown by its ``repr``.
    """
    try:
        array = np.asarray(value)
    except (TypeError, ValueError):  # ragged nested sequences
        raise ValueError(message.format(value=_shown(value))) from None
    if (
        array.dtype.kind not in "iuf"
    ):  # strings, booleans, Decimals, None: not numbers
        raise ValueError(message.format(value=_shown(value)))
    values = np.atleast_1d(array.astype(float))
    bad = values[~valid(values)]
    if bad.size:
        shown = value if np.ndim(value) == 0 else float(bad[0])
        raise ValueError(message.format(value=shown))


def check_whole(message: str, value: Any, minimum: int) -> None:
    """Raise ``ValueError(message.format(value=value))`` unless ``value`` is a whole number (an
    ``int`` or NumPy integer, not a ``bool``) of at least ``minimum``."""
    whole = isinstance(value, (int, np.integer)) and not isinstance(
        value, (bool, np.bool_)
    )
    if not (whole and value >= minimum):
        raise ValueError(message.format(value=_shown(value)))


def check_number(message: str, value: Any, valid: Predicate) -> None:
    """As :func:`check`, for an argument that must be one number (not an array)."""
    if not is_number(value):
        raise ValueError(message.format(value=_shown(value)))
    check(message, value, valid)


def check_flag(message: str, value: Any) -> None:
    """Raise ``ValueError(message.format(value=...))`` unless ``value`` is ``True`` or ``False``
    (a Python or NumPy bool): a string ``"False"`` or a ``1`` is not a switch."""
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(message.format(value=_shown(value)))


def is_number(value: Any) -> bool:
    """Whether ``value`` is one real number (a Python or NumPy number, not a ``bool``)."""
    return isinstance(value, numbers.Real) and not isinstance(
        value, (bool, np.bool_)
    )


# --- Predicates: arrays of values -> which are valid ---------------------------------------------


def finite(values: np.ndarray) -> np.ndarray:
    return np.isfinite(values)


def nonnegative(values: np.ndarray) -> np.ndarray:
    return values >= 0.0


def positive(values: np.ndarray) -> np.ndarray:
    return values > 0.0


def finite_nonnegative(values: np.ndarray) -> np.ndarray:
    return np.isfinite(values) & (values >= 0.0)


def finite_positive(values: np.ndarray) -> np.ndarray:
    return np.isfinite(values) & (values > 0.0)


def binary(values: np.ndarray) -> np.ndarray:
    """0 or 1 (labels)."""
    return (values == 0.0) | (values == 1.0)


def at_least_one(values: np.ndarray) -> np.ndarray:
    return values >= 1.0


def unit_interval(values: np.ndarray) -> np.ndarray:
    """:math:`[0, 1]`."""
    return (values >= 0.0) & (values <= 1.0)


def open_unit_interval(values: np.ndarray) -> np.ndarray:
    """:math:`(0, 1)`."""
    return (values > 0.0) & (values < 1.0)
