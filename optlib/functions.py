r"""Test functions for the book's figures and convergence tests.

Every function is a small frozen object with ``value``, ``grad`` and ``hess`` methods that
broadcast over leading axes: for ``x`` of shape ``(..., dim)`` they return shapes ``(...)``,
``(..., dim)`` and ``(..., dim, dim)``, so a chapter can evaluate 10,000 starting points in
one call. Each object also knows its ``minima`` (sorted by value, so ``minima[0]`` is a
global minimum), ``f_min``, a plotting window ``box`` and a default start ``x0``.

Named instances: :data:`rosenbrock`, :data:`beale`, :data:`himmelblau`, :data:`booth`,
:data:`saddle`, :data:`two_minima`, :data:`rastrigin` (all in :data:`ALL`). Factories:
:func:`quadratic` (any dimension) and :func:`quadratic_bowl` (the 2-D ill-conditioned bowl).

References
----------
.. [SB13] S. Surjanovic and D. Bingham (2013). Virtual Library of Simulation Experiments:
   Test Functions and Datasets. https://www.sfu.ca/~ssurjano/optimization.html
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

__all__ = [
    "ALL",
    "Beale",
    "Booth",
    "Himmelblau",
    "Objective",
    "Quadratic",
    "Rastrigin",
    "Rosenbrock",
    "Saddle",
    "TwoMinima",
    "beale",
    "booth",
    "himmelblau",
    "quadratic",
    "quadratic_bowl",
    "rastrigin",
    "rosenbrock",
    "rotation",
    "saddle",
    "two_minima",
]

Box = tuple[tuple[float, float], ...]
"""A plotting window: one ``(low, high)`` interval per coordinate."""


def _as_points(x: np.ndarray, dim: int) -> np.ndarray:
    """``x`` as a float array of shape ``(..., dim)``, or a ValueError naming its shape."""
    points = np.asarray(x, dtype=float)
    if points.ndim == 0 or points.shape[-1] != dim:
        hint = "; for a 1-D function pass x[..., None]" if dim == 1 else ""
        raise ValueError(
            f"x must have shape (..., {dim}), got shape {points.shape}{hint}"
        )
    return points


def _symmetric_2x2(
    h_xx: np.ndarray, h_xy: np.ndarray, h_yy: np.ndarray
) -> np.ndarray:
    """Stack the three entries of a symmetric 2x2 Hessian into shape ``(..., 2, 2)``."""
    h_xx, h_xy, h_yy = np.broadcast_arrays(h_xx, h_xy, h_yy)
    return np.stack(
        [np.stack([h_xx, h_xy], axis=-1), np.stack([h_xy, h_yy], axis=-1)],
        axis=-2,
    )


class Objective:
    r"""What every test function offers; subclasses supply the formulas.

    Attributes
    ----------
    name : str
        Short identifier, used in legends and galleries.
    dim : int
        Number of coordinates :math:`d`; ``x`` has shape ``(..., d)``.
    box : tuple of (low, high)
        A plotting window that shows the interesting features, one interval per coordinate.
    x0 : ndarray, shape (d,)
        A default start point that makes an instructive trajectory.
    minima : list of ndarray
        Strict local minima (gradient zero, Hessian positive definite), sorted by value
        (ties, such as Himmelblau's four zeros, up to round-off), so ``minima[0]`` is a
        global minimum. Empty when the function has none.
    """

    name: str
    dim: int
    box: Box
    x0: np.ndarray

    def value(self, x: np.ndarray) -> np.ndarray:
        """:math:`f(x)`, shape ``(...)`` for ``x`` of shape ``(..., d)``."""
        raise NotImplementedError

    def grad(self, x: np.ndarray) -> np.ndarray:
        r""":math:`\nabla f(x)`, shape ``(..., d)``."""
        raise NotImplementedError

    def hess(self, x: np.ndarray) -> np.ndarray:
        r""":math:`\nabla^2 f(x)`, shape ``(..., d, d)``."""
        raise NotImplementedError

    @property
    def minima(self) -> list[np.ndarray]:
        raise NotImplementedError

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.value(x)

    @property
    def global_minimum(self) -> np.ndarray | None:
        """A point where the lowest value is attained, or ``None`` if unbounded below."""
        minima = self.minima
        return minima[0] if minima else None

    @property
    def f_min(self) -> float:
        """The lowest value of the function (``-inf`` if it is unbounded below)."""
        minimum = self.global_minimum
        return (
            float(self.value(minimum)) if minimum is not None else -math.inf
        )


def _sorted_by_value(
    objective: Objective, points: list[np.ndarray]
) -> list[np.ndarray]:
    """``points`` ordered by function value, lowest first (ties keep their order)."""
    values = [float(objective.value(point)) for point in points]
    return [points[i] for i in np.argsort(values, kind="stable")]


def _newton_polish(
    objective: Objective, guesses: np.ndarray, steps: int = 8
) -> np.ndarray:
    r"""Refine approximate stationary points by Newton's method, :math:`x \leftarrow x - H^{-1} g`.

    Quadratic convergence takes a six-digit literature value to machine precision in a few
    steps; a point that does not converge means a wrong guess, so it raises.
    """
    points = np.array(guesses, dtype=float)
    for _ in range(steps):
        newton_step = np.linalg.solve(
            objective.hess(points), objective.grad(points)[..., None]
        )
        points = points - newton_step[..., 0]
    gradient_norm = np.linalg.norm(objective.grad(points), axis=-1)
    if np.any(gradient_norm > 1e-10):
        raise RuntimeError(
            f"Newton did not converge for {objective.name}: |g| = {gradient_norm}"
        )
    return points


@dataclass(frozen=True)
class Rosenbrock(Objective):
    r"""Rosenbrock's banana valley.

    .. math::
        f(x, y) = (a - x)^2 + b\,(y - x^2)^2,

    with :math:`a = 1, b = 100` the classic choice. The unique minimum is :math:`(a, a^2)`
    with :math:`f = 0`, at the end of a long, curved, flat-bottomed valley: easy to find,
    slow to follow. The default start :math:`(-1.2, 1)` is Rosenbrock's own. The box is
    sized for :math:`a = 1`.

    Parameters
    ----------
    a, b : float
        Position of the minimum and steepness of the valley walls (``b > 0``).

    References
    ----------
    H. H. Rosenbrock (1960). An automatic method for finding the greatest or least value
    of a function. *The Computer Journal* 3(3), 175-184.
    """

    a: float = 1.0
    b: float = 100.0
    name = "rosenbrock"
    dim = 2
    box = ((-2.0, 2.0), (-1.0, 3.0))

    def __post_init__(self) -> None:
        if not (math.isfinite(self.b) and self.b > 0):
            raise ValueError(
                f"Rosenbrock's b must be positive, got {self.b}"
            )
        if not math.isfinite(self.a):
            raise ValueError(f"Rosenbrock's a must be finite, got {self.a}")

    @property
    def x0(self) -> np.ndarray:
        return np.array([-1.2, 1.0])

    @property
    def minima(self) -> list[np.ndarray]:
        return [np.array([self.a, self.a**2])]

    def value(self, x: np.ndarray) -> np.ndarray:
        r""":math:`f = (a - x)^2 + b (y - x^2)^2`."""
        x, y = np.moveaxis(_as_points(x, self.dim), -1, 0)
        return (self.a - x) ** 2 + self.b * (y - x**2) ** 2

    def grad(self, x: np.ndarray) -> np.ndarray:
        r""":math:`\nabla f = \big(-2(a - x) - 4 b x (y - x^2),\; 2 b (y - x^2)\big)`."""
        x, y = np.moveaxis(_as_points(x, self.dim), -1, 0)
        valley = y - x**2
        return np.stack(
            [
                -2 * (self.a - x) - 4 * self.b * x * valley,
                2 * self.b * valley,
            ],
            -1,
        )

    def hess(self, x: np.ndarray) -> np.ndarray:
        r""":math:`\nabla^2 f = \begin{pmatrix} 2 - 4 b y + 12 b x^2 & -4 b x \\
        -4 b x & 2 b \end{pmatrix}`."""
        x, y = np.moveaxis(_as_points(x, self.dim), -1, 0)
        return _symmetric_2x2(
            2 - 4 * self.b * y + 12 * self.b * x**2,
            -4 * self.b * x,
            2 * self.b,
        )


# Beale's three residuals are c_i - x + x y^i, i = 1, 2, 3.
_BEALE_CONSTANTS = (1.5, 2.25, 2.625)


@dataclass(frozen=True)
class Beale(Objective):
    r"""Beale's function: a sum of three squared residuals.

    .. math::
        f(x, y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2.

    The only minimum in the box :math:`[-4.5, 4.5]^2` is :math:`(3, 0.5)`, :math:`f = 0`
    (all three residuals vanish); there are saddle points at :math:`(0, 1)` and near
    :math:`(0.1005, -2.6445)`, and sharp ridges toward the corners, where the value reaches
    :math:`10^5`. From the default start :math:`(1, 1.5)` gradient descent with
    :math:`\eta = 10^{-2}` follows a curved valley to the minimum; :math:`\eta = 0.05` diverges.

    References
    ----------
    E. M. L. Beale (1958). On an iterative method for finding a local minimum of a function
    of more than one variable. Technical Report 25, Statistical Techniques Research Group,
    Princeton University. See also [SB13]_.
    """

    name = "beale"
    dim = 2
    box = ((-4.5, 4.5), (-4.5, 4.5))

    @property
    def x0(self) -> np.ndarray:
        return np.array([1.0, 1.5])

    @property
    def minima(self) -> list[np.ndarray]:
        return [np.array([3.0, 0.5])]

    def value(self, x: np.ndarray) -> np.ndarray:
        r""":math:`f = \sum_{i=1}^{3} r_i^2`, :math:`r_i = c_i - x + x y^i`,
        :math:`c = (1.5, 2.25, 2.625)`."""
        x, y = np.moveaxis(_as_points(x, self.dim), -1, 0)
        return sum(
            (c - x + x * y**i) ** 2
            for i, c in enumerate(_BEALE_CONSTANTS, start=1)
        )

    def grad(self, x: np.ndarray) -> np.ndarray:
        r""":math:`\nabla f = \sum_i 2 r_i \nabla r_i`,
        :math:`\nabla r_i = (y^i - 1,\; i x y^{i-1})`."""
        x, y = np.moveaxis(_as_points(x, self.dim), -1, 0)
        df_dx = df_dy = np.zeros_like(x)
        for i, c in enumerate(_BEALE_CONSTANTS, start=1):
            residual = c - x + x * y**i
            df_dx = df_dx + 2 * residual * (y**i - 1)
            df_dy = df_dy + 2 * residual * i * x * y ** (i - 1)
        return np.stack([df_dx, df_dy], axis=-1)

    def hess(self, x: np.ndarray) -> np.ndarray:
        r""":math:`\nabla^2 f = \sum_i 2\big(\nabla r_i \nabla r_i^\top + r_i \nabla^2 r_i\big)`,
        :math:`\nabla^2 r_i = \begin{pmatrix} 0 & i y^{i-1} \\ i y^{i-1} & i(i-1) x y^{i-2}
        \end{pmatrix}`."""
        x, y = np.moveaxis(_as_points(x, self.dim), -1, 0)
        h_xx = h_xy = h_yy = np.zeros_like(x)
        for i, c in enumerate(_BEALE_CONSTANTS, start=1):
            residual = c - x + x * y**i
            dr_dx, dr_dy = y**i - 1, i * x * y ** (i - 1)
            h_xx = h_xx + 2 * dr_dx**2
            h_xy = h_xy + 2 * (dr_dx * dr_dy + residual * i * y ** (i - 1))
            h_yy = h_yy + 2 * (
                dr_dy**2 + residual * i * (i - 1) * x * y ** max(i - 2, 0)
            )
        return _symmetric_2x2(h_xx, h_xy, h_yy)


# Literature values (six digits) of Himmelblau's three minima without a closed form;
# Newton polishes them to machine precision.
_HIMMELBLAU_GUESSES = (
    (-2.805118, 3.131312),
    (-3.779310, -3.283186),
    (3.584428, -1.848126),
)


@dataclass(frozen=True)
class Himmelblau(Objective):
    r"""Himmelblau's function: four minima of equal value.

    .. math::
        f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2.

    Four global minima, all with :math:`f = 0`: :math:`(3, 2)` exactly, and near
    :math:`(-2.805118, 3.131312)`, :math:`(-3.779310, -3.283186)`,
    :math:`(3.584428, -1.848126)` (roots of a cubic, computed here by Newton's method to
    :math:`10^{-15}`). Which one an optimizer finds depends on the start: the book's
    basin-of-attraction pictures. From the default :math:`(0, 0)` gradient descent reaches
    :math:`(3, 2)`.

    References
    ----------
    D. M. Himmelblau (1972). *Applied Nonlinear Programming*. McGraw-Hill. See also [SB13]_.
    """

    name = "himmelblau"
    dim = 2
    box = ((-5.0, 5.0), (-5.0, 5.0))

    @property
    def x0(self) -> np.ndarray:
        return np.array([0.0, 0.0])

    @property
    def minima(self) -> list[np.ndarray]:
        polished = _newton_polish(self, np.array(_HIMMELBLAU_GUESSES))
        return [np.array([3.0, 2.0]), *polished]

    def value(self, x: np.ndarray) -> np.ndarray:
        r""":math:`f = u^2 + v^2`, :math:`u = x^2 + y - 11`, :math:`v = x + y^2 - 7`."""
        x, y = np.moveaxis(_as_points(x, self.dim), -1, 0)
        return (x**2 + y - 11) ** 2 + (x + y**2 - 7) ** 2

    def grad(self, x: np.ndarray) -> np.ndarray:
        r""":math:`\nabla f = (4 x u + 2 v,\; 2 u + 4 y v)`."""
        x, y = np.moveaxis(_as_points(x, self.dim), -1, 0)
        u, v = x**2 + y - 11, x + y**2 - 7
        return np.stack([4 * x * u + 2 * v, 2 * u + 4 * y * v], axis=-1)

    def hess(self, x: np.ndarray) -> np.ndarray:
        r""":math:`\nabla^2 f = \begin{pmatrix} 12 x^2 + 4 y - 42 & 4 x + 4 y \\
        4 x + 4 y & 12 y^2 + 4 x - 26 \end{pmatrix}`."""
        x, y = np.moveaxis(_as_points(x, self.dim), -1, 0)
        return _symmetric_2x2(
            12 * x**2 + 4 * y - 42, 4 * x + 4 * y, 12 * y**2 + 4 * x - 26
        )


@dataclass(frozen=True)
class Booth(Objective):
    r"""Booth's function: a gently ill-conditioned quadratic.

    .. math::
        f(x, y) = (x + 2y - 7)^2 + (2x + y - 5)^2
                = \tfrac12 z^\top \begin{pmatrix} 10 & 8 \\ 8 & 10 \end{pmatrix} z
                  - (34, 38)\, z + 74, \quad z = (x, y).

    Minimum :math:`(1, 3)`, :math:`f = 0`; Hessian eigenvalues 2 and 18 (condition number 9)
    with eigenvectors along the diagonals.

    References
    ----------
    M. Jamil and X.-S. Yang (2013). A literature survey of benchmark functions for global
    optimisation problems. *Int. J. Mathematical Modelling and Numerical Optimisation*
    4(2), 150-194. See also [SB13]_.
    """

    name = "booth"
    dim = 2
    box = ((-10.0, 10.0), (-10.0, 10.0))

    @property
    def x0(self) -> np.ndarray:
        return np.array([-6.0, -8.0])

    @property
    def minima(self) -> list[np.ndarray]:
        return [np.array([1.0, 3.0])]

    def value(self, x: np.ndarray) -> np.ndarray:
        r""":math:`f = (x + 2y - 7)^2 + (2x + y - 5)^2`."""
        x, y = np.moveaxis(_as_points(x, self.dim), -1, 0)
        return (x + 2 * y - 7) ** 2 + (2 * x + y - 5) ** 2

    def grad(self, x: np.ndarray) -> np.ndarray:
        r""":math:`\nabla f = (10 x + 8 y - 34,\; 8 x + 10 y - 38)`."""
        x, y = np.moveaxis(_as_points(x, self.dim), -1, 0)
        return np.stack([10 * x + 8 * y - 34, 8 * x + 10 * y - 38], axis=-1)

    def hess(self, x: np.ndarray) -> np.ndarray:
        r""":math:`\nabla^2 f = \begin{pmatrix} 10 & 8 \\ 8 & 10 \end{pmatrix}`."""
        x = _as_points(x, self.dim)[..., 0]
        return _symmetric_2x2(np.full_like(x, 10.0), 8.0, 10.0)


@dataclass(frozen=True)
class Saddle(Objective):
    r"""The saddle :math:`f(x, y) = x^2 - y^2`.

    No minimum (``minima == []``, ``f_min == -inf``); a single stationary point, the saddle at
    the origin (``saddle_points``), with Hessian :math:`\operatorname{diag}(2, -2)`. The
    default start :math:`(-1.5, 0.01)` sits almost on the attracting :math:`x`-axis: gradient
    descent first slides toward the saddle and stalls there, then the tiny :math:`y`
    component grows geometrically and it escapes.
    """

    name = "saddle"
    dim = 2
    box = ((-2.0, 2.0), (-2.0, 2.0))

    @property
    def x0(self) -> np.ndarray:
        return np.array([-1.5, 0.01])

    @property
    def minima(self) -> list[np.ndarray]:
        return []

    @property
    def saddle_points(self) -> list[np.ndarray]:
        return [np.array([0.0, 0.0])]

    def value(self, x: np.ndarray) -> np.ndarray:
        r""":math:`f = x^2 - y^2`."""
        x, y = np.moveaxis(_as_points(x, self.dim), -1, 0)
        return x**2 - y**2

    def grad(self, x: np.ndarray) -> np.ndarray:
        r""":math:`\nabla f = (2x, -2y)`."""
        x, y = np.moveaxis(_as_points(x, self.dim), -1, 0)
        return np.stack([2 * x, -2 * y], axis=-1)

    def hess(self, x: np.ndarray) -> np.ndarray:
        r""":math:`\nabla^2 f = \operatorname{diag}(2, -2)`."""
        x = _as_points(x, self.dim)[..., 0]
        return _symmetric_2x2(np.full_like(x, 2.0), 0.0, -2.0)


# The cubic 4x^3 - 4x + c has three real roots (two wells) only for |c| below this.
_TWO_MINIMA_MAX_TILT = 8 / (3 * math.sqrt(3))


@dataclass(frozen=True)
class TwoMinima(Objective):
    r"""A tilted double well: one local and one lower global minimum.

    .. math::
        f(x, y) = (x^2 - 1)^2 + c\,x + \tfrac12 y^2 .

    Stationary points have :math:`y = 0` and :math:`4x^3 - 4x + c = 0`; for
    :math:`|c| < 8/(3\sqrt3) \approx 1.54` this cubic has three real roots (trigonometric
    formula, exact)

    .. math::
        x_k = \tfrac{2}{\sqrt3}\cos\!\Big(\tfrac13\arccos\!\big(-\tfrac{3\sqrt3}{8}c\big)
              - \tfrac{2\pi k}{3}\Big), \quad k = 0, 1, 2:

    the outer two are minima, the middle one a saddle. With the default :math:`c = 0.5` the
    global minimum is at :math:`x \approx -1.0575` (:math:`f \approx -0.515`), the local one
    at :math:`x \approx 0.9304` (:math:`f \approx 0.483`) and the saddle at
    :math:`x \approx 0.1271` (:math:`f \approx 1.032`), a barrier of 0.55 above the local
    minimum. From the default start :math:`(2, 1)`, plain gradient descent with
    :math:`\eta \in \{0.01, 0.02, 0.05\}` stops in the local minimum, while heavy-ball
    momentum :math:`\mu = 0.9` with :math:`\eta \in \{0.01, 0.02\}` carries enough speed
    over the barrier to end in the global one (checked in the tests).

    Parameters
    ----------
    c : float
        Tilt; :math:`c > 0` makes the left well the deeper one. Requires :math:`|c| < 8/(3\sqrt3)`.
    """

    c: float = 0.5
    name = "two_minima"
    dim = 2
    box = ((-2.0, 2.5), (-1.5, 1.5))

    def __post_init__(self) -> None:
        if not abs(self.c) < _TWO_MINIMA_MAX_TILT:
            raise ValueError(
                f"two_minima needs |c| < 8/(3*sqrt(3)) = {_TWO_MINIMA_MAX_TILT:.6f} "
                f"for two wells, got c = {self.c}"
            )

    @property
    def x0(self) -> np.ndarray:
        return np.array([2.0, 1.0])

    def _stationary_x(self) -> np.ndarray:
        """The three roots of :math:`4x^3 - 4x + c`, in increasing order."""
        angle = math.acos(-3 * math.sqrt(3) / 8 * self.c) / 3
        roots = [
            2 / math.sqrt(3) * math.cos(angle - 2 * math.pi * k / 3)
            for k in range(3)
        ]
        return np.sort(roots)

    @property
    def minima(self) -> list[np.ndarray]:
        left, _, right = self._stationary_x()
        return _sorted_by_value(
            self, [np.array([left, 0.0]), np.array([right, 0.0])]
        )

    @property
    def saddle_points(self) -> list[np.ndarray]:
        return [np.array([self._stationary_x()[1], 0.0])]

    def value(self, x: np.ndarray) -> np.ndarray:
        r""":math:`f = (x^2 - 1)^2 + c x + \tfrac12 y^2`."""
        x, y = np.moveaxis(_as_points(x, self.dim), -1, 0)
        return (x**2 - 1) ** 2 + self.c * x + 0.5 * y**2

    def grad(self, x: np.ndarray) -> np.ndarray:
        r""":math:`\nabla f = (4x(x^2 - 1) + c,\; y)`."""
        x, y = np.moveaxis(_as_points(x, self.dim), -1, 0)
        return np.stack([4 * x * (x**2 - 1) + self.c, y], axis=-1)

    def hess(self, x: np.ndarray) -> np.ndarray:
        r""":math:`\nabla^2 f = \operatorname{diag}(12x^2 - 4,\; 1)`."""
        x = _as_points(x, self.dim)[..., 0]
        return _symmetric_2x2(12 * x**2 - 4, 0.0, 1.0)


@dataclass(frozen=True)
class Rastrigin(Objective):
    r"""Rastrigin's function (2-D): a bowl covered in a regular grid of local minima.

    .. math::
        f(x) = A d + \sum_{i=1}^{d} \big(x_i^2 - A\cos(2\pi x_i)\big), \quad d = 2,\ A = 10.

    Global minimum :math:`0` at the origin. Each coordinate's 1-D term has a local minimum
    near every integer (root of :math:`2x + 2\pi A\sin 2\pi x`, found by Newton's method),
    so the box :math:`[-5.12, 5.12]^2` holds :math:`11 \times 11 = 121` local minima, all
    listed in ``minima``, lowest first. Gradient descent from the default start
    :math:`(3.3, -2.7)` stops in the nearest one.

    References
    ----------
    L. A. Rastrigin (1974). *Systems of Extremal Control* (in Russian). Nauka, Moscow.
    H. Mühlenbein, M. Schomisch and J. Born (1991). The parallel genetic algorithm as
    function optimizer. *Parallel Computing* 17(6-7), 619-632 (the :math:`d`-dimensional
    form). See also [SB13]_.
    """

    A: float = 10.0
    name = "rastrigin"
    dim = 2
    box = ((-5.12, 5.12), (-5.12, 5.12))

    def __post_init__(self) -> None:
        if not (math.isfinite(self.A) and self.A > 0):
            raise ValueError(f"Rastrigin's A must be positive, got {self.A}")

    @property
    def x0(self) -> np.ndarray:
        return np.array([3.3, -2.7])

    def _minimisers_1d(self) -> np.ndarray:
        r"""Local minimisers of :math:`x^2 - A\cos 2\pi x` near each integer in the box."""
        low, high = self.box[0]
        x = np.arange(math.ceil(low), math.floor(high) + 1, dtype=float)
        for _ in range(20):
            slope = 2 * x + 2 * np.pi * self.A * np.sin(2 * np.pi * x)
            curvature = 2 + 4 * np.pi**2 * self.A * np.cos(2 * np.pi * x)
            x = x - slope / curvature
        return x

    @property
    def minima(self) -> list[np.ndarray]:
        # The function is a sum of 1-D terms, so its minima are all pairs of 1-D minimisers.
        grid = np.stack(
            np.meshgrid(self._minimisers_1d(), self._minimisers_1d()),
            axis=-1,
        )
        return _sorted_by_value(self, list(grid.reshape(-1, 2)))

    def value(self, x: np.ndarray) -> np.ndarray:
        r""":math:`f = A d + \sum_i \big(x_i^2 - A\cos 2\pi x_i\big)`."""
        x = _as_points(x, self.dim)
        return self.A * self.dim + np.sum(
            x**2 - self.A * np.cos(2 * np.pi * x), axis=-1
        )

    def grad(self, x: np.ndarray) -> np.ndarray:
        r""":math:`\partial f / \partial x_i = 2 x_i + 2\pi A \sin 2\pi x_i`."""
        x = _as_points(x, self.dim)
        return 2 * x + 2 * np.pi * self.A * np.sin(2 * np.pi * x)

    def hess(self, x: np.ndarray) -> np.ndarray:
        r""":math:`\nabla^2 f = \operatorname{diag}\big(2 + 4\pi^2 A \cos 2\pi x_i\big)`."""
        x = _as_points(x, self.dim)
        diagonal = 2 + 4 * np.pi**2 * self.A * np.cos(2 * np.pi * x)
        return diagonal[..., :, None] * np.eye(self.dim)


@dataclass(frozen=True, eq=False)
class Quadratic(Objective):
    r"""The quadratic :math:`f(x) = \tfrac12 x^\top A x - b^\top x + c` in any dimension.

    Build it with :func:`quadratic` or :func:`quadratic_bowl`; the fields are validated on
    construction (also by ``dataclasses.replace``). The eigenvalues of :math:`A` are the
    curvatures along its eigenvectors: ``L`` (the largest) is the smoothness constant,
    ``mu`` (the smallest) the strong-convexity constant, and ``condition_number``
    :math:`\kappa = L / \mu` sets how slowly gradient descent converges.

    If :math:`A` is positive definite the unique minimum is :math:`x^* = A^{-1} b` with
    :math:`f(x^*) = c - \tfrac12 b^\top A^{-1} b`. If :math:`A` is singular there is no
    strict minimum (``minima == []``): when :math:`b` lies in the range of :math:`A` the
    minimisers form an affine subspace and ``global_minimum`` is the one of least norm,
    :math:`A^+ b`; otherwise :math:`f` is unbounded below (``f_min == -inf``).

    Parameters are those of :func:`quadratic`.
    """

    A: np.ndarray
    b: np.ndarray | None = None
    c: float = 0.0
    name: str = "quadratic"
    box: Box | None = None
    x0: np.ndarray | None = None

    def __post_init__(self) -> None:
        # Frozen: the normalised fields are written once, here, with object.__setattr__.
        A = np.array(self.A, dtype=float)
        if A.ndim == 0:
            A = A.reshape(1, 1)
        if A.ndim != 2 or A.shape[0] != A.shape[1] or A.shape[0] == 0:
            raise ValueError(
                f"A must be a non-empty square matrix, got shape {A.shape}"
            )
        if not np.all(np.isfinite(A)):
            raise ValueError(f"A must be finite, got {A}")
        asymmetry = float(np.max(np.abs(A - A.T)))
        if asymmetry > 1e-10 * max(1.0, float(np.max(np.abs(A)))):
            raise ValueError(
                f"A must be symmetric, got max |A - A^T| = {asymmetry:.3g}"
            )
        A = (A + A.T) / 2  # remove round-off asymmetry, e.g. from R D R^T
        smallest = np.linalg.eigvalsh(A)[0]
        if smallest < -_eigenvalue_tolerance(A):
            raise ValueError(
                f"A must be positive semi-definite, got smallest eigenvalue {smallest:.6g}"
            )
        d = A.shape[0]
        b = np.zeros(d) if self.b is None else np.array(self.b, dtype=float)
        if b.shape != (d,) and not (d == 1 and b.shape == ()):
            raise ValueError(
                f"b must have shape ({d},) to match A, got shape {b.shape}"
            )
        if not np.all(np.isfinite(b)):
            raise ValueError(f"b must be finite, got {b}")
        if not math.isfinite(self.c):
            raise ValueError(f"c must be finite, got {self.c}")
        object.__setattr__(self, "A", _read_only(A))
        object.__setattr__(self, "b", _read_only(b.reshape(d)))
        object.__setattr__(self, "c", float(self.c))

        centre = (
            self.global_minimum
            if self.global_minimum is not None
            else np.zeros(d)
        )
        if self.box is None:
            box = tuple(
                (float(centre_i) - 2.0, float(centre_i) + 2.0)
                for centre_i in centre
            )
            object.__setattr__(self, "box", box)
        x0 = (
            centre + 1.0
            if self.x0 is None
            else np.array(self.x0, dtype=float)
        )
        if x0.shape != (d,):
            raise ValueError(
                f"x0 must have shape ({d},), got shape {x0.shape}"
            )
        object.__setattr__(self, "x0", _read_only(x0))

    @property
    def dim(self) -> int:
        return self.A.shape[0]

    @cached_property
    def eigenvalues(self) -> np.ndarray:
        """Eigenvalues of :math:`A`, ascending; round-off around zero is set to zero."""
        eigenvalues = np.linalg.eigvalsh(self.A)
        eigenvalues[np.abs(eigenvalues) <= _eigenvalue_tolerance(self.A)] = (
            0.0
        )
        return _read_only(eigenvalues)

    @property
    def L(self) -> float:  # noqa: N802 - the smoothness constant's usual symbol
        """Largest eigenvalue of :math:`A`: the gradient's Lipschitz (smoothness) constant."""
        return float(self.eigenvalues[-1])

    @property
    def mu(self) -> float:
        """Smallest eigenvalue of :math:`A`: the strong-convexity constant (0 if singular)."""
        return float(self.eigenvalues[0])

    @property
    def condition_number(self) -> float:
        r""":math:`\kappa = L / \mu`; ``inf`` for a singular :math:`A`."""
        if self.mu == 0.0:
            return math.inf
        return self.L / self.mu

    @property
    def minima(self) -> list[np.ndarray]:
        if self.mu == 0.0:
            return []
        return [np.linalg.solve(self.A, self.b)]

    @property
    def global_minimum(self) -> np.ndarray | None:
        if self.mu > 0.0:
            return self.minima[0]
        least_norm = np.linalg.pinv(self.A) @ self.b
        consistent = np.allclose(
            self.A @ least_norm, self.b, atol=1e-10 * max(1.0, self.L)
        )
        return least_norm if consistent else None

    def value(self, x: np.ndarray) -> np.ndarray:
        r""":math:`f = \tfrac12 x^\top A x - b^\top x + c`."""
        x = _as_points(x, self.dim)
        return (
            0.5 * np.einsum("...i,ij,...j->...", x, self.A, x)
            - x @ self.b
            + self.c
        )

    def grad(self, x: np.ndarray) -> np.ndarray:
        r""":math:`\nabla f = A x - b` (:math:`A` symmetric)."""
        x = _as_points(x, self.dim)
        return x @ self.A - self.b

    def hess(self, x: np.ndarray) -> np.ndarray:
        r""":math:`\nabla^2 f = A` at every point."""
        x = _as_points(x, self.dim)
        return np.broadcast_to(
            self.A, (*x.shape[:-1], self.dim, self.dim)
        ).copy()


def _eigenvalue_tolerance(A: np.ndarray) -> float:
    """How far from zero an eigenvalue of the float64 matrix ``A`` may be and still be zero."""
    return 1e-10 * max(1.0, float(np.max(np.abs(A))))


def _read_only(array: np.ndarray) -> np.ndarray:
    array.setflags(write=False)
    return array


def quadratic(
    A: np.ndarray | float,
    b: np.ndarray | float | None = None,
    c: float = 0.0,
    *,
    name: str = "quadratic",
    box: Box | None = None,
    x0: np.ndarray | None = None,
) -> Quadratic:
    r"""The quadratic :math:`f(x) = \tfrac12 x^\top A x - b^\top x + c`.

    Parameters
    ----------
    A : array_like, shape (d, d), or float
        Symmetric positive semi-definite matrix; a number means the 1-D parabola
        :math:`\tfrac12 A x^2 - b x + c` (then ``x`` has shape ``(..., 1)``).
    b : array_like, shape (d,), optional
        Linear term; zero by default.
    c : float
        Constant term.
    name : str
        Label for legends.
    box : tuple of (low, high), optional
        Plotting window; by default 2 units either side of the minimum on every axis
        (of the origin if there is no minimum).
    x0 : array_like, shape (d,), optional
        Start point; by default the minimum plus 1 on every coordinate.

    Returns
    -------
    Quadratic

    Raises
    ------
    ValueError
        If ``A`` is not a finite non-empty square matrix, is not symmetric, or has a negative
        eigenvalue; if ``b`` or ``x0`` does not have shape ``(d,)``; if ``b`` or ``c`` is
        not finite.
    """
    return Quadratic(A, b, c, name=name, box=box, x0=x0)


def rotation(angle: float) -> np.ndarray:
    r"""Counter-clockwise rotation by ``angle`` radians,
    :math:`R_\theta = \begin{pmatrix} \cos\theta & -\sin\theta \\
    \sin\theta & \cos\theta \end{pmatrix}`."""
    return np.array(
        [
            [math.cos(angle), -math.sin(angle)],
            [math.sin(angle), math.cos(angle)],
        ]
    )


def quadratic_bowl(
    condition_number: float = 10.0, angle: float = 0.0, scale: float = 1.0
) -> Quadratic:
    r"""The 2-D ill-conditioned bowl :math:`f(x) = \tfrac12 x^\top A x`,
    :math:`A = R_\theta \operatorname{diag}(s, s\kappa) R_\theta^\top`.

    With ``angle = 0`` the bowl is axis-aligned: curvature :math:`s` (flat) along the first
    axis :math:`x` and :math:`s\kappa` (steep) along the second axis :math:`y`, so gradient
    descent zig-zags across :math:`y` while crawling along :math:`x`. A rotation by
    :math:`\theta` turns the flat eigenvector to :math:`(\cos\theta, \sin\theta)` and the
    steep one to :math:`(-\sin\theta, \cos\theta)`; at :math:`\theta = \pi/4` the axes no
    longer align with the coordinates and diagonal preconditioners (AdaGrad, RMSprop, Adam)
    lose their advantage.

    Minimum at the origin, :math:`f = 0`. Box :math:`[-5, 5]^2`; the start
    :math:`x_0 = R_\theta (-4, 2)` turns with the bowl, so a rotation-invariant method such
    as gradient descent traces the same path, only rotated.

    Parameters
    ----------
    condition_number : float
        :math:`\kappa = L/\mu \ge 1`.
    angle : float
        Rotation :math:`\theta` in radians, counter-clockwise.
    scale : float
        The smaller eigenvalue :math:`s = \mu > 0`; :math:`L = s\kappa`.

    Returns
    -------
    Quadratic
    """
    if not (math.isfinite(condition_number) and condition_number >= 1.0):
        raise ValueError(
            f"condition_number must be a finite number >= 1, got {condition_number}"
        )
    if not math.isfinite(angle):
        raise ValueError(f"angle must be finite, got {angle}")
    if not (math.isfinite(scale) and scale > 0.0):
        raise ValueError(f"scale must be positive, got {scale}")
    R = rotation(angle)
    A = R @ np.diag([scale, scale * condition_number]) @ R.T
    return quadratic(
        A,
        name=f"quadratic_bowl(condition_number={condition_number:g}, angle={angle:g})",
        box=((-5.0, 5.0), (-5.0, 5.0)),
        x0=R @ np.array([-4.0, 2.0]),
    )


rosenbrock = Rosenbrock()
beale = Beale()
himmelblau = Himmelblau()
booth = Booth()
saddle = Saddle()
two_minima = TwoMinima()
rastrigin = Rastrigin()

ALL: tuple[Objective, ...] = (
    rosenbrock,
    beale,
    himmelblau,
    booth,
    saddle,
    two_minima,
    rastrigin,
)
"""Every named instance, for tests and galleries."""
