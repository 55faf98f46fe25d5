r"""Auto-checkers for the book's exercises: write your own step, get a verdict in plain words.

A chapter asks you to write, say, your own RMSProp step and then run
``check_rmsprop_step(my_rmsprop_step)``. The checker calls your function on a handful of seeded
cases (a first step, several steps in a row, each given the state a training loop would hand
it, zero gradients, tiny second moments where :math:`\epsilon` matters, large values,
batches of parameters) and compares every answer with optlib's own code
(:mod:`optlib.optimizers`, :mod:`optlib.losses`: the code matched to PyTorch). It returns a
:class:`CheckResult`: ``passed``, a ``message``, and the name of the ``mistake`` when it
recognises one.

Each chapter's exercises climb a ladder: implement the chapter's rule (a checker of kind
``"rule"``), derive its central result as a function of the hyperparameters, checked on random
settings against what optlib's runs give (``"derivation"``), and predict what a run will do
before running it (``"prediction"``: the checker runs the experiment only once you have written
your prediction down).

Hints before answers
--------------------
A checker never shows the formula it checks; that is in the exercise's solution. A first failure
names the kind of mistake in words ("your step goes uphill", "your average forgets too fast").
Run the check again with the same mistake, or call it with ``hint=True``, and it adds a hint:
where to look. Ask once more and it shows the first case you get wrong in numbers: its inputs,
your answer and the right one. A pass starts the ladder again;
:func:`~optlib.exercises.engine.forget` does too.

How a wrong answer is diagnosed
-------------------------------
1. If your function raises, calls ``exit()``, does not return within 5 seconds (an endless
   loop; the limit is ``optlib.exercises.engine.TIME_LIMIT``, and it applies where a timer
   signal can be used: a Jupyter kernel or a script, not Windows or the browser), changes its
   inputs in place, returns None, the wrong number of values, the wrong shape or something that
   is not numbers, the message says so. A check never raises: only pressing stop
   (``KeyboardInterrupt``) stops it. Any array NumPy can read is fine, a PyTorch tensor too
   (one that requires grad is read through ``detach()``): the checkers judge the numbers.
2. Every checker lists **known mistakes**: plausible wrong versions of the rule, built from
   optlib's rule with one piece changed (the sign flipped, :math:`\eta` missing or squared,
   :math:`\epsilon` inside the square root, a missing :math:`1 - \beta`, no bias correction, a
   sum where the mean belongs, ...). If your answers equal one of them on every case, the message
   names that mistake. A formula that is right for moderate inputs but overflows for large ones
   is recognised the same way.
3. Otherwise the message says on how many cases your answer differs, and which is the first.

Where things are
----------------
:mod:`~optlib.exercises.engine` compares and explains (:func:`check_against`, :class:`Case`,
:class:`Mistake`, :class:`CheckResult`), climbs the ladder of hints (the ``checker`` decorator
every checker wears, which also lists the formulas its messages must not contain) and judges
predictions (``judge_prediction``); :mod:`~optlib.exercises.variants` builds references
and known mistakes from optlib's rules; one module per chapter holds that chapter's checkers:
:mod:`~optlib.exercises.intro`, :mod:`~optlib.exercises.gradient_descent`,
:mod:`~optlib.exercises.losses`,
:mod:`~optlib.exercises.sgd`, :mod:`~optlib.exercises.momentum`,
:mod:`~optlib.exercises.nesterov`, :mod:`~optlib.exercises.adagrad`,
:mod:`~optlib.exercises.rmsprop`, :mod:`~optlib.exercises.adadelta`,
:mod:`~optlib.exercises.adam`, :mod:`~optlib.exercises.adamw`, :mod:`~optlib.exercises.radam`,
:mod:`~optlib.exercises.map`, :mod:`~optlib.exercises.capstone`.
Every checker is also here, as ``optlib.exercises.check_...``.

Tolerance
---------
An answer is right when every entry is within a relative :math:`10^{-6}` of optlib's:
:math:`|\text{yours} - \text{ours}| \le 10^{-6}\,|\text{ours}| + 10^{-12}\max|\text{ours}|`, the
second term (scaled by the largest entry of the same output) accepting round-off in entries that
should be zero. So any order of operations that is mathematically the same passes, and a wrong
factor, a misplaced :math:`\epsilon` or an error of :math:`10^{-3}` does not.

A float32 (or float16) answer usually meets the tolerance; where its formula cancels digits it
may not, and it then passes if it is right to that precision (within a relative
:math:`10^{-5}`), with a note that float64 would be more precise; the known mistakes are
recognised at that precision too. (Where float32 keeps fewer digits than that, as in RAdam's
:math:`\rho_2`, the message says so and asks for float64.)

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
