r"""Auto-checkers for the book's exercises: write your own step, get a verdict in plain words.

A chapter asks you to write, say, your own RMSProp step and then run
``check_rmsprop_step(my_rmsprop_step)``. The checker calls your function on a handful of seeded
cases (a first step, several steps in a row, each given the state a training loop would hand
it, zero gradients, tiny second moments where :math:`\epsilon` matters, large values,
batches of parameters) and compares every answer with optlib's own code
(:mod:`optlib.optimizers`, :mod:`optlib.losses`: the code matched to PyTorch). It returns a
:class:`CheckResult`: ``passed``, a ``message``, and the name of the ``mistake`` when it
recognises one.

How a wrong answer is diagnosed
-------------------------------
1. If your function raises, calls ``exit()``, does not return within 5 seconds (an endless
   loop; the limit is ``optlib.exercises.engine.TIME_LIMIT``, and it applies where a timer
   signal can be used: a Jupyter kernel or a script, not Windows or the browser), changes its
   inputs in place, returns None, the wrong number of values, the wrong shape or something that
   is not numbers, the message says so. A check never raises: only pressing stop
   (``KeyboardInterrupt``) stops it. Any array NumPy can read is fine, a PyTorch tensor too
   (one that requires grad is read through ``detach()``): the checkers judge the numbers.
2. Every checker lists **known mistakes**: plausible wrong versions of the rule (the sign
   flipped, :math:`\eta` missing or squared, :math:`\epsilon` inside the square root, a missing
   :math:`1 - \beta`, no bias correction, a sum where the mean belongs, ...). If your answers equal
   one of them on every case, the message names that mistake and says how to fix it. A formula
   that is right for moderate inputs but overflows for large ones is recognised the same way.
3. Otherwise the message shows the first case you get wrong: its inputs, your answer, the right
   answer, and the entry with the largest difference.

Two checkers look further. :func:`check_nesterov_step` records where your step calls
``grad_fn``: a right answer that calls it more than once per step is named too. And
:func:`check_heavy_ball_tuning` also tells you how fast the heavy ball converges with your
settings, against the best possible rate.

Where things are
----------------
:mod:`~optlib.exercises.engine` compares and explains (:func:`check_against`, :class:`Case`,
:class:`Mistake`, :class:`CheckResult`); :mod:`~optlib.exercises.variants` builds references
and known mistakes from optlib's rules; one module per chapter holds that chapter's checkers:
:mod:`~optlib.exercises.gradient_descent`, :mod:`~optlib.exercises.losses`,
:mod:`~optlib.exercises.sgd`, :mod:`~optlib.exercises.momentum`,
:mod:`~optlib.exercises.nesterov`, :mod:`~optlib.exercises.adagrad`,
:mod:`~optlib.exercises.rmsprop`, :mod:`~optlib.exercises.adadelta`,
:mod:`~optlib.exercises.adam`, :mod:`~optlib.exercises.adamw`, :mod:`~optlib.exercises.radam`.
Every checker is also here, as ``optlib.exercises.check_...``.

Tolerance
---------
An answer is right when every entry is within a relative :math:`10^{-6}` of optlib's:
:math:`|\text{yours} - \text{ours}| \le 10^{-6}\,|\text{ours}| + 10^{-12}\max|\text{ours}|`, the
second term (scaled by the largest entry of the same output) accepting round-off in entries that
should be zero. So any order of operations that is mathematically the same passes, and a wrong
factor, a misplaced :math:`\epsilon` or an error of :math:`10^{-3}` does not.

The tolerance is the same for every dtype. A float32 answer usually meets it; where its formula
cancels digits it may not, and the message then says that float32 is the cause and asks for
float64 (NumPy's default) rather than widening the tolerance, which would let small mistakes
through.

No warning escapes a check: when your code overflows or divides by zero, NumPy's warning is
caught and quoted in the message.
"""

# Every chapter's checkers (each module's __all__), gathered here in the book's order.
from optlib.exercises import (
    adadelta,
    adagrad,
    adam,
    adamw,
    capstone,
    gradient_descent,
    intro,
    losses,
    map,
    momentum,
    nesterov,
    radam,
    rmsprop,
    sgd,
)
from optlib.exercises.adadelta import *  # noqa: F403
from optlib.exercises.adagrad import *  # noqa: F403
from optlib.exercises.adam import *  # noqa: F403
from optlib.exercises.adamw import *  # noqa: F403
from optlib.exercises.capstone import *  # noqa: F403
from optlib.exercises.engine import CHECKERS as CHECKERS
from optlib.exercises.engine import RTOL as RTOL
from optlib.exercises.engine import Case as Case
from optlib.exercises.engine import CheckResult as CheckResult
from optlib.exercises.engine import Mistake as Mistake
from optlib.exercises.engine import check_against as check_against
from optlib.exercises.gradient_descent import *  # noqa: F403
from optlib.exercises.intro import *  # noqa: F403
from optlib.exercises.losses import *  # noqa: F403
from optlib.exercises.map import *  # noqa: F403
from optlib.exercises.momentum import *  # noqa: F403
from optlib.exercises.nesterov import *  # noqa: F403
from optlib.exercises.radam import *  # noqa: F403
from optlib.exercises.rmsprop import *  # noqa: F403
from optlib.exercises.sgd import *  # noqa: F403

_CHAPTERS = (
    intro,
    losses,
    gradient_descent,
    sgd,
    momentum,
    nesterov,
    adagrad,
    rmsprop,
    adadelta,
    adam,
    adamw,
    radam,
    map,
    capstone,
)
__all__ = sorted(
    ["CHECKERS", "RTOL", "Case", "CheckResult", "Mistake", "check_against"]
    + [name for chapter in _CHAPTERS for name in chapter.__all__]
)
