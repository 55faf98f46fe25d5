"""The exercise checkers: a right answer passes, each known mistake is named, and a slightly
wrong answer gets a clear message. (Garbage, exceptions, endless loops, tensors, float32, every
checker at once: tests/test_hostile_learner.py.)

The right answers and the mistakes below are written here, from the papers' formulas
(as PyTorch implements them), without calling optlib: the checkers compare with optlib, so a
right answer passing is also an independent check of the checker's reference.
"""

from __future__ import annotations

import doctest
import importlib
import inspect
import pkgutil
import re
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from optlib import exercises
from optlib.exercises import (
    Case,
    CheckResult,
    Mistake,
    check_adadelta_step,
    check_adagrad_step,
    check_adam_step,
    check_adamw_step,
    check_against,
    check_bce_with_logits,
    check_bias_correction,
    check_cross_entropy_grad,
    check_gd_step,
    check_heavy_ball_tuning,
    check_max_stable_lr,
    check_minibatch_gradient,
    check_momentum_step,
    check_mse_grad,
    check_nesterov_step,
    check_radam_rho,
    check_rmsprop_step,
)
from optlib.gradcheck import numerical_grad, relative_error

# --- Right answers, straight from the formulas --------------------------------------------------


def gd_step(theta, grad, lr):
    return theta - lr * grad


def mse_grad(prediction, target):
    return 2 * (prediction - target) / prediction.size


def bce_with_logits(logits, targets):
    # log(1 + e^z) − z·y, with log(1 + e^z) = logaddexp(0, z) computed without overflow
    return np.mean(np.logaddexp(0.0, logits) - logits * targets)


def softmax_rows(logits):
    exponentials = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exponentials / exponentials.sum(axis=1, keepdims=True)


def one_hot(classes, n_classes):
    return np.eye(n_classes)[classes]


def cross_entropy_grad(logits, classes):
    return (softmax_rows(logits) - one_hot(classes, logits.shape[1])) / len(logits)


def max_stable_lr(A):
    return 2 / np.linalg.eigvalsh(A)[-1]


def minibatch_gradient(X, y, theta, idx):
    X_batch, y_batch = X[idx], y[idx]
    return 2 * X_batch.T @ (X_batch @ theta - y_batch) / len(idx)


def momentum_step(theta, grad, velocity, lr, gamma):
    velocity = gamma * velocity - lr * grad
    return theta + velocity, velocity


def nesterov_step(theta, grad_fn, velocity, lr, gamma):
    velocity = gamma * velocity - lr * grad_fn(theta + gamma * velocity)
    return theta + velocity, velocity


def heavy_ball_tuning(mu, L):
    """Polyak (1964): η = 4/(√L + √μ)², γ = ((√κ − 1)/(√κ + 1))²."""
    sqrt_kappa = np.sqrt(L / mu)
    return 4 / (np.sqrt(L) + np.sqrt(mu)) ** 2, ((sqrt_kappa - 1) / (sqrt_kappa + 1)) ** 2


def adagrad_step(theta, grad, G, lr, eps):
    G = G + grad**2
    return theta - lr * grad / (np.sqrt(G) + eps), G


def rmsprop_step(theta, grad, v, lr, alpha, eps):
    v = alpha * v + (1 - alpha) * grad**2
    return theta - lr * grad / (np.sqrt(v) + eps), v


def adadelta_step(theta, grad, v, u, rho, eps):
    v = rho * v + (1 - rho) * grad**2
    delta = np.sqrt(u + eps) / np.sqrt(v + eps) * grad  # u of the previous step
    u = rho * u + (1 - rho) * delta**2
    return theta - delta, v, u


def adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps):
    m = beta1 * m + (1 - beta1) * grad
    v = beta2 * v + (1 - beta2) * grad**2
    m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
    return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v


def adamw_step(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
    theta = theta * (1 - lr * weight_decay)  # decoupled: shrink θ first, the gradient is bare
    return adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps)


def radam_rho(beta2, t):
    rho_inf = 2 / (1 - beta2) - 1
    return rho_inf - 2 * t * beta2**t / (1 - beta2**t)


def bias_correction(m, v, t, beta1, beta2):
    return m / (1 - beta1**t), v / (1 - beta2**t)


CORRECT = {
    check_gd_step: gd_step,
    check_mse_grad: mse_grad,
    check_bce_with_logits: bce_with_logits,
    check_cross_entropy_grad: cross_entropy_grad,
    check_max_stable_lr: max_stable_lr,
    check_minibatch_gradient: minibatch_gradient,
    check_momentum_step: momentum_step,
    check_nesterov_step: nesterov_step,
    check_heavy_ball_tuning: heavy_ball_tuning,
    check_adagrad_step: adagrad_step,
    check_rmsprop_step: rmsprop_step,
    check_adadelta_step: adadelta_step,
    check_adam_step: adam_step,
    check_adamw_step: adamw_step,
    check_radam_rho: radam_rho,
    check_bias_correction: bias_correction,
}
CHECKERS = list(CORRECT)
IDS = [checker.__name__ for checker in CHECKERS]


@pytest.mark.parametrize("checker", CHECKERS, ids=IDS)
def test_a_right_answer_passes(checker):
    result = checker(CORRECT[checker])
    assert result.passed, result.message
    assert result.mistake is None
    assert result.message.startswith("Correct!")
    assert "1e-6" in result.message


def test_equivalent_formulas_pass():
    """Other orders of operations, and the other stable forms, are right too."""

    def bce_conventions_form(z, y):
        return np.mean(np.maximum(z, 0) - z * y + np.log(1 + np.exp(-np.abs(z))))

    def adam_pytorch_form(theta, grad, m, v, t, lr, beta1, beta2, eps):
        m = (1 - beta1) * grad + beta1 * m
        v = (1 - beta2) * grad * grad + beta2 * v
        step_size = lr / (1 - beta1**t)
        return theta - step_size * m / (np.sqrt(v) / np.sqrt(1 - beta2**t) + eps), m, v

    def ce_from_log_softmax(z, c):
        shifted = z - z.max(axis=1, keepdims=True)
        log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        return (np.exp(log_p) - one_hot(c, z.shape[1])) / z.shape[0]

    assert check_bce_with_logits(bce_conventions_form)
    assert check_adam_step(adam_pytorch_form)
    assert check_cross_entropy_grad(ce_from_log_softmax)
    assert check_gd_step(lambda theta, grad, lr: (theta - lr * grad).tolist())  # a list is fine
    assert check_max_stable_lr(lambda A: float(2 / np.max(np.linalg.eigvals(A))))


def test_equivalent_formulas_pass_the_new_checkers():
    def minibatch_gradient_by_rows(X, y, theta, idx):
        return sum(2 * (X[i] @ theta - y[i]) * X[i] for i in idx) / len(idx)

    def nesterov_with_names(theta, grad_fn, velocity, lr, gamma):
        lookahead = theta + velocity * gamma
        gradient = grad_fn(lookahead)
        return theta + gamma * velocity - lr * gradient, gamma * velocity - lr * gradient

    def heavy_ball_without_kappa(mu, L):
        root_L, root_mu = np.sqrt(L), np.sqrt(mu)
        return [4 / (root_L + root_mu) ** 2, ((root_L - root_mu) / (root_L + root_mu)) ** 2]

    def heavy_ball_kappa_inverted_but_squared(mu, L):
        # ((x − 1)/(x + 1))² is unchanged by x → 1/x: μ/L in place of L/μ is harmless here
        sqrt_kappa = np.sqrt(mu / L)
        return 4 / (np.sqrt(L) + np.sqrt(mu)) ** 2, ((sqrt_kappa - 1) / (sqrt_kappa + 1)) ** 2

    def adagrad_reordered(theta, grad, G, lr, eps):
        G = grad * grad + G
        return theta - lr / (np.sqrt(G) + eps) * grad, G

    def adadelta_with_rms(theta, grad, v, u, rho, eps):
        def rms(average):
            return np.sqrt(average + eps)

        v = (1 - rho) * grad * grad + rho * v
        delta = rms(u) * grad / rms(v)
        return theta - delta, v, (1 - rho) * delta * delta + rho * u

    assert check_minibatch_gradient(minibatch_gradient_by_rows)
    assert check_nesterov_step(nesterov_with_names)
    assert check_heavy_ball_tuning(heavy_ball_without_kappa)
    assert check_heavy_ball_tuning(heavy_ball_kappa_inverted_but_squared)
    assert check_adagrad_step(adagrad_reordered)
    assert check_adadelta_step(adadelta_with_rms)


def radam_rho_by_centre_of_mass(beta2, t):
    """Liu et al.'s definition of ρₜ: the length of the simple moving average whose centre of mass
    is that of the bias-corrected EMA. The EMA weighs step i ≤ t by (1 − β₂)β₂^(t−i)/(1 − β₂ᵗ);
    an SMA of the last ρ steps has mean age (ρ − 1)/2, so ρ = 1 + 2·(mean age)."""
    steps = np.arange(1, t + 1)
    weights = (1 - beta2) * beta2 ** (t - steps) / (1 - beta2**t)
    return 1 + 2 * np.sum(weights * (t - steps))


def test_equivalent_formulas_pass_the_adam_family_checkers():
    def adamw_pytorch_form(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
        theta = theta - lr * weight_decay * theta
        m = (1 - beta1) * grad + beta1 * m
        v = (1 - beta2) * grad * grad + beta2 * v
        step_size = lr / (1 - beta1**t)
        return theta - step_size * m / (np.sqrt(v) / np.sqrt(1 - beta2**t) + eps), m, v

    def adamw_paper_form(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
        # Loshchilov & Hutter, Alg. 2 with schedule multiplier 1, base rate α = lr, and
        # λ_paper = α·λ_torch: θ ← θ − (α·m̂/(√v̂ + ε) + λ_paper·θ)
        alpha, lambda_paper = lr, lr * weight_decay
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad**2
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        return theta - (alpha * m_hat / (np.sqrt(v_hat) + eps) + lambda_paper * theta), m, v

    def radam_rho_vectorised(beta2, t):
        t = np.asarray(t, dtype=float)
        decayed = np.power(beta2, t)
        return (1 + beta2) / (1 - beta2) - 2 * t * decayed / (1 - decayed)

    def bias_correction_by_weights(m, v, t, beta1, beta2):
        # The weights (1 − β)β^k, k < t, of an EMA started at zero sum to 1 − βᵗ.
        total1 = sum((1 - beta1) * beta1**k for k in range(t))
        total2 = sum((1 - beta2) * beta2**k for k in range(t))
        return m / total1, v / total2

    assert check_adamw_step(adamw_pytorch_form)
    assert check_adamw_step(adamw_paper_form)
    assert check_radam_rho(radam_rho_vectorised)
    assert check_radam_rho(radam_rho_by_centre_of_mass)  # takes an integer t only
    assert check_bias_correction(bias_correction_by_weights)


# --- Every known mistake, written as a learner would ------------------------------------------


def naive_bce(z, y):
    p = 1 / (1 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def clipped_bce(z, y):
    p = np.clip(1 / (1 + np.exp(-z)), 1e-7, 1 - 1e-7)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def softplus_bce(z, y):
    return np.mean(np.log(1 + np.exp(z)) - z * y)


def unshifted_ce_grad(z, c):
    exponentials = np.exp(z)  # overflows for z ≳ 710
    softmax = exponentials / exponentials.sum(axis=1, keepdims=True)
    return (softmax - one_hot(c, z.shape[1])) / len(z)


def ce_grad_softmax_over_columns(z, c):
    exponentials = np.exp(z - z.max(axis=0))
    return (exponentials / exponentials.sum(axis=0) - one_hot(c, z.shape[1])) / len(z)


def bce_with_np_max(z, y):
    # np.max(z, 0) reads as max(z, 0) but is the largest logit along axis 0
    return np.mean(np.max(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))


def ce_grad_batch_max(z, c):
    exponentials = np.exp(z - z.max())  # the batch's maximum, not each row's
    softmax = exponentials / exponentials.sum(axis=1, keepdims=True)
    return (softmax - one_hot(c, z.shape[1])) / len(z)


def ce_grad_batch_max_log_softmax(z, c):
    shifted = z - np.max(z)  # the same slip in the log-softmax form: -inf, then inf, not NaN
    log_p = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    return (np.exp(log_p) - one_hot(c, z.shape[1])) / len(z)


def ce_grad_softmax_over_batch(z, c):
    exponentials = np.exp(z - z.max())
    return (exponentials / exponentials.sum() - one_hot(c, z.shape[1])) / len(z)


def momentum_old_velocity(theta, grad, velocity, lr, gamma):
    return theta + velocity, gamma * velocity - lr * grad


def momentum_pytorch_buffer(theta, grad, velocity, lr, gamma):
    buffer = gamma * velocity + grad
    return theta - lr * buffer, buffer


def momentum_damped(theta, grad, velocity, lr, gamma):
    velocity = gamma * velocity - (1 - gamma) * lr * grad
    return theta + velocity, velocity


def rmsprop(v_rule, update):
    """An RMSProp step with the given (possibly wrong) v update and θ update."""

    def step(theta, grad, v, lr, alpha, eps):
        new_v = v_rule(v, grad, alpha)
        return update(theta, grad, v, new_v, lr, eps), new_v

    return step


def right_v(v, g, alpha):
    return alpha * v + (1 - alpha) * g**2


def right_update(theta, g, old_v, v, lr, eps):
    return theta - lr * g / (np.sqrt(v) + eps)


def rmsprop_swapped(theta, grad, v, lr, alpha, eps):
    theta, v = rmsprop_step(theta, grad, v, lr, alpha, eps)
    return v, theta


def rmsprop_returns_update(theta, grad, v, lr, alpha, eps):
    v = alpha * v + (1 - alpha) * grad**2
    return -lr * grad / (np.sqrt(v) + eps), v


def adam(m_rule=None, v_rule=None, update=None, t_shift=0, state=None):
    """An Adam step with one piece replaced by a wrong one."""

    def step(theta, grad, m, v, t, lr, beta1, beta2, eps):
        t = t + t_shift
        m = m_rule(m, grad, beta1) if m_rule else beta1 * m + (1 - beta1) * grad
        v = v_rule(v, grad, beta2) if v_rule else beta2 * v + (1 - beta2) * grad**2
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        if update:
            new_theta = update(theta, m, v, m_hat, v_hat, t, lr, beta1, beta2, eps)
        else:
            new_theta = theta - lr * m_hat / (np.sqrt(v_hat) + eps)
        return (new_theta, m_hat, v_hat) if state == "corrected" else (new_theta, m, v)

    return step


def adam_betas_swapped(theta, grad, m, v, t, lr, beta1, beta2, eps):
    return adam_step(theta, grad, m, v, t, lr, beta2, beta1, eps)


def adam_swapped_outputs(theta, grad, m, v, t, lr, beta1, beta2, eps):
    theta, m, v = adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps)
    return theta, v, m


def adam_returns_update(theta, grad, m, v, t, lr, beta1, beta2, eps):
    new_theta, m, v = adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps)
    return new_theta - theta, m, v


def batch(X, y, theta, idx):
    """The batch's rows and residuals X_Bθ − y_B."""
    return X[idx], X[idx] @ theta - y[idx]


def nesterov_reading_at(point):
    """A Nesterov step that reads the gradient at point(theta, velocity, gamma)."""

    def step(theta, grad_fn, velocity, lr, gamma):
        velocity = gamma * velocity - lr * grad_fn(point(theta, velocity, gamma))
        return theta + velocity, velocity

    return step


def nesterov_old_velocity(theta, grad_fn, velocity, lr, gamma):
    new_velocity = gamma * velocity - lr * grad_fn(theta + gamma * velocity)
    return theta + velocity, new_velocity


def nesterov_twice(theta, grad_fn, velocity, lr, gamma):
    lookahead = theta + gamma * velocity
    assert np.all(np.isfinite(grad_fn(lookahead)))  # a sanity check: costs a second gradient
    velocity = gamma * velocity - lr * grad_fn(lookahead)
    return theta + velocity, velocity


def polyak_rate(mu, L):
    sqrt_kappa = np.sqrt(L / mu)
    return (sqrt_kappa - 1) / (sqrt_kappa + 1)


def adagrad(G_rule, update):
    """An AdaGrad step with the given (possibly wrong) G update and θ update."""

    def step(theta, grad, G, lr, eps):
        new_G = G_rule(G, grad)
        return update(theta, grad, G, new_G, lr, eps), new_G

    return step


def right_sum(G, g):
    return G + g**2


def adagrad_update(theta, g, old_G, G, lr, eps):
    return theta - lr * g / (np.sqrt(G) + eps)


def adadelta(v_rule=None, ratio=None, u_rule=None, theta_rule=None):
    """An AdaDelta step with one piece replaced by a wrong one."""

    def step(theta, grad, v, u, rho, eps):
        v = v_rule(v, grad, rho) if v_rule else rho * v + (1 - rho) * grad**2
        delta = (ratio(u, v, eps) if ratio else np.sqrt(u + eps) / np.sqrt(v + eps)) * grad
        new_u = u_rule(u, delta, grad, rho) if u_rule else rho * u + (1 - rho) * delta**2
        if theta_rule:
            return theta_rule(theta, grad, delta, new_u, v, eps), v, new_u
        return theta - delta, v, new_u

    return step


def adamw(decay=None, update=None):
    """An AdamW step with its decay θ ↦ decay(θ, η, λ), or its Adam update, replaced."""

    def step(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
        theta = decay(theta, lr, weight_decay) if decay else theta * (1 - lr * weight_decay)
        m = beta1 * m + (1 - beta1) * grad
        v = beta2 * v + (1 - beta2) * grad**2
        m_hat, v_hat = m / (1 - beta1**t), v / (1 - beta2**t)
        if update:
            return theta - update(m, v, m_hat, v_hat, lr, eps), m, v
        return theta - lr * m_hat / (np.sqrt(v_hat) + eps), m, v

    return step


def adamw_l2(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
    return adam_step(theta, grad + weight_decay * theta, m, v, t, lr, beta1, beta2, eps)


def adamw_decay_after_step(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
    theta, m, v = adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps)
    return theta * (1 - lr * weight_decay), m, v


def adamw_returns_adam_step(theta, grad, m, v, t, lr, beta1, beta2, eps, weight_decay):
    decayed = theta * (1 - lr * weight_decay)
    new_theta, m, v = adam_step(decayed, grad, m, v, t, lr, beta1, beta2, eps)
    return new_theta - decayed, m, v


def rho_infinity(beta2):
    return 2 / (1 - beta2) - 1


# (checker, the learner's wrong function, the mistake it must be named as, words in the message)
MISTAKES = [
    (check_gd_step, lambda theta, grad, lr: theta, "no_step", ["does not move", "against"]),
    (check_gd_step, lambda theta, grad, lr: theta + lr * grad, "uphill", ["uphill", "subtract"]),
    (check_gd_step, lambda theta, grad, lr: theta - grad, "lr_missing", ["learning rate"]),
    (check_gd_step, lambda theta, grad, lr: theta - lr * lr * grad, "lr_squared", ["twice"]),
    (check_gd_step, lambda theta, grad, lr: theta - grad / lr, "divides_by_lr", ["divides"]),
    (check_gd_step, lambda theta, grad, lr: -lr * grad, "returns_update", ["new parameters"]),
    (check_gd_step, lambda theta, grad, lr: lr * grad, "returns_update", ["new parameters"]),
    (check_mse_grad, lambda p, y: (p - y) / p.size, "no_factor_2", ["factor 2"]),
    (check_mse_grad, lambda p, y: 2 * (p - y), "sum_not_mean", ["sum", "mean"]),
    (check_mse_grad, lambda p, y: p - y, "half_sum", ["½"]),
    (check_mse_grad, lambda p, y: np.zeros_like(p), "no_gradient", ["Not yet", "zero"]),
    (check_mse_grad, lambda p, y: 2 * (y - p) / y.size, "sign", ["wrong sign"]),
    (check_mse_grad, lambda p, y: 2 * (p - y) / p.shape[0], "divides_by_rows", ["rows"]),
    (check_bce_with_logits, naive_bce, "unstable", ["large", "exponentiate", "NumPy warned"]),
    (check_bce_with_logits, clipped_bce, "unstable", ["large", "exponentiate"]),
    (check_bce_with_logits, softplus_bce, "unstable", ["large", "exponentiate"]),
    (
        check_bce_with_logits,
        lambda z, y: np.sum(np.logaddexp(0, z) - z * y),
        "sum_not_mean",
        ["mean"],
    ),
    (check_bce_with_logits, lambda z, y: -bce_with_logits(z, y), "sign", ["wrong sign"]),
    (check_bce_with_logits, lambda z, y: bce_with_logits(z, 1 - y), "labels_swapped", ["swapped"]),
    (check_bce_with_logits, bce_with_np_max, "np_max_not_maximum", ["np.maximum(z, 0)"]),
    (check_cross_entropy_grad, unshifted_ce_grad, "unstable", ["overflows", "maximum"]),
    (
        check_cross_entropy_grad,
        lambda z, c: softmax_rows(z) - one_hot(c, z.shape[1]),
        "sum_not_mean",
        ["divided by n"],
    ),
    (
        check_cross_entropy_grad,
        lambda z, c: (softmax_rows(z) - one_hot(c, z.shape[1])) / z.size,
        "mean_over_entries",
        ["n·C"],
    ),
    (
        check_cross_entropy_grad,
        lambda z, c: (one_hot(c, z.shape[1]) - softmax_rows(z)) / len(z),
        "sign",
        ["wrong sign"],
    ),
    (check_cross_entropy_grad, lambda z, c: softmax_rows(z) / len(z), "no_one_hot", ["one-hot"]),
    (check_cross_entropy_grad, ce_grad_softmax_over_columns, "wrong_axis", ["row"]),
    (
        check_cross_entropy_grad,
        ce_grad_batch_max,
        "global_max",
        ["maximum of the whole batch", "each row", "underflows"],
    ),
    (
        check_cross_entropy_grad,
        ce_grad_batch_max_log_softmax,
        "global_max",
        ["maximum of the whole batch"],
    ),
    (
        check_cross_entropy_grad,
        ce_grad_softmax_over_batch,
        "softmax_over_batch",
        ["whole batch", "axis=1"],
    ),
    (check_max_stable_lr, lambda A: 1 / np.linalg.eigvalsh(A)[-1], "one_over_L", ["larger rates"]),
    (
        check_max_stable_lr,
        lambda A: 2 / np.linalg.eigvalsh(A)[0],
        "smallest_eigenvalue",
        ["flattest", "steepest"],
    ),
    (
        check_max_stable_lr,
        lambda A: 2 / (np.linalg.eigvalsh(A)[0] + np.linalg.eigvalsh(A)[-1]),
        "optimal_rate",
        ["fastest"],
    ),
    (check_max_stable_lr, lambda A: 2 / A.diagonal().max(), "largest_diagonal", ["diagonal"]),
    (check_max_stable_lr, lambda A: 2 / np.trace(A), "trace", ["sum of all"]),
    (check_max_stable_lr, lambda A: np.linalg.eigvalsh(A)[-1] / 2, "inverted", ["upside down"]),
    (
        check_momentum_step,
        lambda theta, g, v, lr, gamma: momentum_step(theta, -g, v, lr, gamma),
        "uphill",
        ["uphill"],
    ),
    (
        check_momentum_step,
        lambda theta, g, v, lr, gamma: momentum_step(theta, g, v, 1.0, gamma),
        "lr_missing",
        ["learning rate"],
    ),
    (
        check_momentum_step,
        lambda theta, g, v, lr, gamma: (theta - lr * g, -lr * g),
        "forgets_velocity",
        ["old velocity"],
    ),
    (check_momentum_step, momentum_old_velocity, "old_velocity", ["update v first"]),
    (check_momentum_step, momentum_pytorch_buffer, "pytorch_buffer", ["PyTorch"]),
    (check_momentum_step, momentum_damped, "damped", ["(1 − γ)"]),
    (
        check_momentum_step,
        lambda *args: momentum_step(*args)[::-1],
        "swapped_outputs",
        ["(theta, velocity)"],
    ),
    (
        check_momentum_step,
        lambda *args: (momentum_step(*args)[1],) * 2,
        "returns_update",
        ["new parameters"],
    ),
    (
        check_momentum_step,
        lambda theta, g, v, lr, gamma: (theta, v),
        "no_step",
        ["Not yet", "nothing moves", "(mom-update)"],
    ),
    (
        check_momentum_step,
        lambda *args: (args[0], momentum_step(*args)[1]),
        "theta_stands_still",
        ["θ does not move"],
    ),
    (
        check_rmsprop_step,
        rmsprop(right_v, lambda th, g, v0, v, lr, eps: th + lr * g / (np.sqrt(v) + eps)),
        "uphill",
        ["uphill"],
    ),
    (
        check_rmsprop_step,
        rmsprop(right_v, lambda th, g, v0, v, lr, eps: th - g / (np.sqrt(v) + eps)),
        "lr_missing",
        ["learning rate"],
    ),
    (
        check_rmsprop_step,
        rmsprop(right_v, lambda th, g, v0, v, lr, eps: th - lr**2 * g / (np.sqrt(v) + eps)),
        "lr_squared",
        ["learning rate twice"],
    ),
    (
        check_rmsprop_step,
        rmsprop(right_v, lambda th, g, v0, v, lr, eps: th - lr * g / np.sqrt(v + eps)),
        "eps_inside_root",
        ["wrong place", "after taking the square root"],
    ),
    (
        check_rmsprop_step,
        rmsprop(lambda v, g, a: a * v + g**2, right_update),
        "no_one_minus_alpha",
        ["add up to more than one"],
    ),
    (
        check_rmsprop_step,
        rmsprop(lambda v, g, a: (1 - a) * v + a * g**2, right_update),
        "alpha_swapped",
        ["swapped"],
    ),
    (
        check_rmsprop_step,
        rmsprop(lambda v, g, a: a * v + (1 - a) * g, right_update),
        "g_not_squared",
        ["not its square"],
    ),
    (
        check_rmsprop_step,
        rmsprop(right_v, lambda th, g, v0, v, lr, eps: th - lr * g / (v + eps)),
        "no_square_root",
        ["root mean square"],
    ),
    (
        check_rmsprop_step,
        rmsprop(right_v, lambda th, g, v0, v, lr, eps: th - lr * g / (np.sqrt(v0) + eps)),
        "old_v",
        ["before this step", "update the average first"],
    ),
    (check_rmsprop_step, rmsprop_swapped, "swapped_outputs", ["wrong order"]),
    (check_rmsprop_step, rmsprop_returns_update, "returns_update", ["not the new θ"]),
    (
        check_rmsprop_step,
        rmsprop(right_v, lambda th, g, v0, v, lr, eps: th),
        "no_step",
        ["θ does not move"],
    ),
    (
        check_adam_step,
        adam(
            update=lambda th, m, v, mh, vh, t, lr, b1, b2, eps: th + lr * mh / (np.sqrt(vh) + eps)
        ),
        "uphill",
        ["uphill"],
    ),
    (
        check_adam_step,
        adam(update=lambda th, m, v, mh, vh, t, lr, b1, b2, eps: th - mh / (np.sqrt(vh) + eps)),
        "lr_missing",
        ["learning rate"],
    ),
    (
        check_adam_step,
        adam(
            update=lambda th, m, v, mh, vh, t, lr, b1, b2, eps: (
                th - lr * lr * mh / (np.sqrt(vh) + eps)
            )
        ),
        "lr_squared",
        ["learning rate twice"],
    ),
    (
        check_adam_step,
        adam(update=lambda th, m, v, mh, vh, t, lr, b1, b2, eps: th - lr * m / (np.sqrt(v) + eps)),
        "no_bias_correction",
        ["bias correction"],
    ),
    (
        check_adam_step,
        adam(update=lambda th, m, v, mh, vh, t, lr, b1, b2, eps: th - lr * mh / (np.sqrt(v) + eps)),
        "only_m_corrected",
        ["but not the second"],
    ),
    (
        check_adam_step,
        adam(update=lambda th, m, v, mh, vh, t, lr, b1, b2, eps: th - lr * m / (np.sqrt(vh) + eps)),
        "only_v_corrected",
        ["but not the first"],
    ),
    (check_adam_step, adam(t_shift=+1), "t_off_by_one", ["number of this step"]),
    (check_adam_step, adam(t_shift=-1), "t_off_by_one", ["number of this step"]),
    (
        check_adam_step,
        adam(update=lambda th, m, v, mh, vh, t, lr, b1, b2, eps: th - lr * mh / np.sqrt(vh + eps)),
        "eps_inside_root",
        ["inside the square root"],
    ),
    (
        check_adam_step,
        adam(
            update=lambda th, m, v, mh, vh, t, lr, b1, b2, eps: (
                th - lr * mh * np.sqrt(1 - b2**t) / (np.sqrt(v) + eps)
            )
        ),
        "eps_before_correction",
        ["before the bias correction"],
    ),
    (
        check_adam_step,
        adam(m_rule=lambda m, g, b: b * m + g, v_rule=lambda v, g, b: b * v + g**2),
        "no_one_minus_beta",
        ["more than one"],
    ),
    (check_adam_step, adam(v_rule=lambda v, g, b: b * v + (1 - b) * g), "g_not_squared", ["g²"]),
    (check_adam_step, adam_betas_swapped, "betas_swapped", ["swapped β₁ and β₂"]),
    (check_adam_step, adam(state="corrected"), "corrected_moments_as_state", ["raw m and v"]),
    (check_adam_step, adam_swapped_outputs, "swapped_outputs", ["(theta, m, v)"]),
    (check_adam_step, adam_returns_update, "returns_update", ["new parameters"]),
    (
        check_adam_step,
        adam(update=lambda th, m, v, mh, vh, t, lr, b1, b2, eps: th),
        "no_step",
        ["θ does not move", "start at zero"],
    ),
    (
        check_minibatch_gradient,
        lambda X, y, th, idx: 2 * batch(X, y, th, idx)[0].T @ batch(X, y, th, idx)[1] / len(X),
        "divides_by_n",
        ["all n rows", "|B| = len(idx)"],
    ),
    (
        check_minibatch_gradient,
        lambda X, y, th, idx: 2 * X.T @ (X @ th - y) / len(y),
        "all_rows",
        ["full-batch", "X[idx]"],
    ),
    (
        check_minibatch_gradient,
        lambda X, y, th, idx: batch(X, y, th, idx)[0].T @ batch(X, y, th, idx)[1] / len(idx),
        "no_factor_2",
        ["factor 2"],
    ),
    (
        check_minibatch_gradient,
        lambda X, y, th, idx: -minibatch_gradient(X, y, th, idx),
        "sign",
        ["wrong sign"],
    ),
    (
        check_minibatch_gradient,
        lambda X, y, th, idx: 2 * batch(X, y, th, idx)[0].T @ batch(X, y, th, idx)[1],
        "sum_not_mean",
        ["*sum*", "mean"],
    ),
    (
        check_minibatch_gradient,
        lambda X, y, th, idx: batch(X, y, th, idx)[0].T @ batch(X, y, th, idx)[1],
        "half_sum",
        ["½"],
    ),
    (
        check_minibatch_gradient,
        lambda X, y, th, idx: np.zeros_like(th),
        "no_gradient",
        ["Not yet", "zero"],
    ),
    (
        check_nesterov_step,
        nesterov_reading_at(lambda th, v, gamma: th),
        "plain_momentum",
        ["plain (heavy-ball) momentum", "look-ahead point"],
    ),
    (
        check_nesterov_step,
        nesterov_reading_at(lambda th, v, gamma: th - gamma * v),
        "lookahead_sign",
        ["behind you"],
    ),
    (
        check_nesterov_step,
        lambda th, f, v, lr, gamma: nesterov_step(th, lambda x: -f(x), v, lr, gamma),
        "uphill",
        ["uphill"],
    ),
    (
        check_nesterov_step,
        lambda th, f, v, lr, gamma: nesterov_step(th, f, v, 1.0, gamma),
        "lr_missing",
        ["learning rate"],
    ),
    (check_nesterov_step, nesterov_old_velocity, "old_velocity", ["update v first"]),
    (
        check_nesterov_step,
        lambda *args: nesterov_step(*args)[::-1],
        "swapped_outputs",
        ["(theta, velocity)"],
    ),
    (
        check_nesterov_step,
        lambda *args: (nesterov_step(*args)[1],) * 2,
        "returns_update",
        ["new parameters"],
    ),
    (
        check_nesterov_step,
        lambda theta, f, v, lr, gamma: (theta, v),
        "no_step",
        ["Not yet", "nothing moves", "(nag-lookahead)"],
    ),
    (
        check_nesterov_step,
        lambda *args: (args[0], nesterov_step(*args)[1]),
        "theta_stands_still",
        ["θ does not move"],
    ),
    (
        check_nesterov_step,
        nesterov_twice,
        "grad_fn_called_more_than_once",
        ["only once", "called grad_fn 2 times", "case 1 of"],
    ),
    (
        check_heavy_ball_tuning,
        lambda mu, L: (2 / (mu + L), 0.0),
        "gd_optimal",
        ["*gradient descent*", "ρ = 0.9802", "the best settings shrink it by ρ = 0.8182"],
    ),  # 99/101, 9/11
    (
        check_heavy_ball_tuning,
        lambda mu, L: (heavy_ball_tuning(mu, L)[0], polyak_rate(mu, L)),
        "gamma_not_squared",
        ["square root of the momentum"],
    ),
    (
        check_heavy_ball_tuning,
        lambda mu, L: (heavy_ball_tuning(mu, L)[0], polyak_rate(L, mu)),
        "kappa_inverted",
        ["negative", "L/μ"],
    ),
    (
        check_heavy_ball_tuning,
        lambda mu, L: (1 / L, heavy_ball_tuning(mu, L)[1]),
        "one_over_L",
        ["1/L", "larger"],
    ),
    (
        check_heavy_ball_tuning,
        lambda mu, L: (1 / L, polyak_rate(mu, L)),
        "nesterov_settings",
        ["*Nesterov's*"],
    ),
    (
        check_heavy_ball_tuning,
        lambda mu, L: heavy_ball_tuning(mu, L)[::-1],
        "swapped_outputs",
        ["(lr, gamma)"],
    ),
    (check_heavy_ball_tuning, lambda mu, L: (0.0, 0.0), "not_started", ["Not yet", "never moves"]),
    (
        check_adagrad_step,
        adagrad(right_sum, lambda th, g, G0, G, lr, eps: th + lr * g / (np.sqrt(G) + eps)),
        "uphill",
        ["uphill"],
    ),
    (
        check_adagrad_step,
        adagrad(right_sum, lambda th, g, G0, G, lr, eps: th - g / (np.sqrt(G) + eps)),
        "lr_missing",
        ["learning rate"],
    ),
    (
        check_adagrad_step,
        adagrad(right_sum, lambda th, g, G0, G, lr, eps: th - lr * g / np.sqrt(G + eps)),
        "eps_inside_root",
        ["wrong place", "lecture's form"],
    ),
    (
        check_adagrad_step,
        adagrad(lambda G, g: g**2, adagrad_update),
        "not_accumulated",
        ["forgets", "RMSProp without memory"],
    ),
    (
        check_adagrad_step,
        adagrad(right_sum, lambda th, g, G0, G, lr, eps: th - lr * g / (G + eps)),
        "no_square_root",
        ["square root"],
    ),
    (
        check_adagrad_step,
        adagrad(right_sum, lambda th, g, G0, G, lr, eps: th - lr * g / (np.sqrt(G0) + eps)),
        "old_G",
        ["before this step"],
    ),
    (
        check_adagrad_step,
        adagrad(right_sum, lambda th, g, G0, G, lr, eps: th),
        "no_step",
        ["θ does not move"],
    ),
    (
        check_adagrad_step,
        lambda *args: adagrad_step(*args)[::-1],
        "swapped_outputs",
        ["(theta, G)"],
    ),
    (
        check_adagrad_step,
        lambda th, *rest: (adagrad_step(th, *rest)[0] - th, adagrad_step(th, *rest)[1]),
        "returns_update",
        ["new parameters"],
    ),
    (
        check_adadelta_step,
        adadelta(theta_rule=lambda th, g, delta, u, v, eps: th + delta),
        "uphill",
        ["uphill"],
    ),
    (
        check_adadelta_step,
        adadelta(
            theta_rule=lambda th, g, delta, u, v, eps: th - np.sqrt(u + eps) / np.sqrt(v + eps) * g
        ),
        "new_u_in_numerator",
        ["previous u"],
    ),
    (
        check_adadelta_step,
        adadelta(ratio=lambda u, v, eps: (np.sqrt(u) + eps) / (np.sqrt(v) + eps)),
        "eps_outside_roots",
        ["inside both"],
    ),
    (
        check_adadelta_step,
        adadelta(ratio=lambda u, v, eps: np.sqrt(v + eps) / np.sqrt(u + eps)),
        "u_v_swapped",
        ["upside down"],
    ),
    (
        check_adadelta_step,
        adadelta(
            v_rule=lambda v, g, rho: rho * v + g**2,
            u_rule=lambda u, delta, g, rho: rho * u + delta**2,
        ),
        "no_one_minus_rho",
        ["(1 − ρ)"],
    ),
    (
        check_adadelta_step,
        adadelta(u_rule=lambda u, delta, g, rho: rho * u + (1 - rho) * g**2),
        "g_in_u",
        ["squared *updates*"],
    ),
    (
        check_adadelta_step,
        lambda *args: tuple(adadelta_step(*args)[i] for i in (0, 2, 1)),
        "swapped_outputs",
        ["(theta, v, u)"],
    ),
    (
        check_adadelta_step,
        lambda th, *rest: (adadelta_step(th, *rest)[0] - th, *adadelta_step(th, *rest)[1:]),
        "returns_update",
        ["new parameters"],
    ),
    (
        check_adadelta_step,  # the starter: v updated, then θ and u returned as they came
        lambda th, g, v, u, rho, eps: (th, rho * v + (1 - rho) * g**2, u),
        "no_step",
        ["θ does not move", "update"],
    ),
    (
        check_adamw_step,
        adamw_l2,
        "l2_not_decoupled",
        ["L2", "Adam with weight_decay", "keeps the gradient bare"],
    ),
    (
        check_adamw_step,
        adamw(decay=lambda th, lr, lam: th * (1 + lr * lam)),
        "decay_grows_theta",
        ["always shrinks", "sign slip"],
    ),
    (
        check_adamw_step,
        adamw(decay=lambda th, lr, lam: th * (1 - lam)),
        "decay_without_lr",
        ["ignores the learning rate", "multiplies the decay"],
    ),
    (check_adamw_step, adamw_decay_after_step, "decay_after_step", ["after the Adam step", "ηλΔ"]),
    (
        check_adamw_step,
        adamw(update=lambda m, v, mh, vh, lr, eps: lr * m / (np.sqrt(v) + eps)),
        "no_bias_correction",
        ["bias correction"],
    ),
    (
        check_adamw_step,
        adamw(update=lambda m, v, mh, vh, lr, eps: lr * mh / np.sqrt(vh + eps)),
        "eps_inside_root",
        ["inside the square root"],
    ),
    (
        check_adamw_step,
        lambda *args: tuple(adamw_step(*args)[i] for i in (0, 2, 1)),
        "swapped_outputs",
        ["(theta, m, v)"],
    ),
    (
        check_adamw_step,
        lambda th, *rest: (adamw_step(th, *rest)[0] - th, *adamw_step(th, *rest)[1:]),
        "returns_update",
        ["change of θ", "new parameters"],
    ),
    (check_adamw_step, adamw_returns_adam_step, "returns_update", ["alone", "new parameters"]),
    (check_adamw_step, adamw(decay=lambda th, lr, lam: th), "no_decay", ["Adam's step alone"]),
    (
        check_radam_rho,
        lambda b, t: 2 / (1 - b) - 2 * t * b**t / (1 - b**t),
        "rho_inf_without_minus_one",
        ["one too large", "ρ₁ = 1"],
    ),
    (
        check_radam_rho,
        lambda b, t: rho_infinity(b) - t * b**t / (1 - b**t),
        "no_factor_2",
        ["half what it should be"],
    ),
    (
        check_radam_rho,
        lambda b, t: rho_infinity(b) - 2 * t * b**t / b**t,
        "denominator_beta_power",
        ["wrong denominator", "bias correction"],
    ),
    (
        check_radam_rho,
        lambda b, t: radam_rho(b, t + 1),
        "t_off_by_one",
        ["number of this step", "without adding 1"],
    ),
    (
        check_radam_rho,
        lambda b, t: radam_rho(b, t - 1),
        "t_off_by_one",
        ["number of this step", "not t − 1"],
    ),
    (
        check_radam_rho,
        lambda b, t: rho_infinity(b) + 2 * t * b**t / (1 - b**t),
        "sign",
        ["instead of subtracting", "grows from 1"],
    ),
    (check_radam_rho, lambda b, t: rho_infinity(b), "rho_infinity", ["does not depend on t"]),
    (check_radam_rho, lambda b, t: t, "steps_seen", ["as a full one", "mean age"]),
    (
        check_bias_correction,
        lambda m, v, t, b1, b2: (m * (1 - b1**t), v * (1 - b2**t)),
        "multiplies",
        ["enlarge", "divide by the factor"],
    ),
    (
        check_bias_correction,
        lambda m, v, t, b1, b2: (m / (1 - b1), v / (1 - b2)),
        "beta_not_power",
        ["first step only", "geometric series"],
    ),
    (
        check_bias_correction,
        lambda m, v, t, b1, b2: bias_correction(m, v, t + 1, b1, b2),
        "t_off_by_one",
        ["off by one", "as given, without adding 1"],
    ),
    (
        check_bias_correction,
        lambda m, v, t, b1, b2: bias_correction(m, v, t - 1, b1, b2),
        "t_off_by_one",
        ["off by one", "not t − 1"],
    ),
    (
        check_bias_correction,
        lambda m, v, t, b1, b2: bias_correction(m, v, t, b2, b1),
        "betas_swapped",
        ["swapped β₁ and β₂"],
    ),
    (
        check_bias_correction,
        lambda m, v, t, b1, b2: (m / (1 - b1**t), v),
        "only_m_corrected",
        ["return v unchanged"],
    ),
    (
        check_bias_correction,
        lambda m, v, t, b1, b2: (m, v / (1 - b2**t)),
        "only_v_corrected",
        ["return m unchanged"],
    ),
    (
        check_bias_correction,
        lambda *args: bias_correction(*args)[::-1],
        "swapped_outputs",
        ["(m_hat, v_hat)"],
    ),
    (check_bias_correction, lambda m, v, t, b1, b2: (m, v), "no_correction", ["start at zero"]),
    (
        check_bias_correction,
        lambda m, v, t, b1, b2: (m / (1 - (1 - b1) ** t), v / (1 - (1 - b2) ** t)),
        "one_minus_beta_for_beta",
        ["wrong ratio", "the old average's share"],
    ),
]


@pytest.mark.parametrize(
    ("checker", "wrong", "mistake", "words"),
    MISTAKES,
    ids=[f"{checker.__name__}-{name}-{i}" for i, (checker, _, name, _) in enumerate(MISTAKES)],
)
def test_each_known_mistake_is_named(checker, wrong, mistake, words):
    """A learner's wrong version, written by hand, is named; the words are what the mistake's
    message and hint must mention, in some rung of the ladder (``hint=True`` twice shows all)."""
    result = checker(wrong)
    assert not result.passed
    assert result.mistake == mistake, result.message
    checker(wrong, hint=True)
    everything = checker(wrong, hint=True).message
    for word in words:
        assert word in everything, (word, everything)


def test_every_mistake_a_checker_knows_is_tested():
    """The list above covers every Mistake name each checker can return."""
    names = {checker: set() for checker in CHECKERS}
    for checker, _, mistake, _ in MISTAKES:
        names[checker].add(mistake)
    source = {checker: inspect.getsource(checker) for checker in CHECKERS}
    for checker in CHECKERS:
        declared = set(_declared_mistakes(source[checker]))
        assert declared == names[checker], checker.__name__


def _declared_mistakes(source):
    # Each known mistake is declared as Mistake("name", ...) in the checker's body.
    return re.findall(r'Mistake\(\s*"(\w+)"', source)


def test_the_naive_bce_is_called_unstable_not_just_wrong():
    exercises.engine.forget()
    assert check_bce_with_logits(naive_bce).mistake == "unstable"
    check_bce_with_logits(naive_bce)
    result = check_bce_with_logits(naive_bce)  # the top rung: the case in numbers
    assert result.mistake == "unstable"
    assert "logits up to ±1000" in result.message  # quotes the case where it breaks down
    assert "overflow encountered in exp" in result.message
    assert "Not right yet" not in result.message


def test_an_unstable_softmax_is_named_and_its_warnings_quoted_without_underflow():
    exercises.engine.forget()
    check_cross_entropy_grad(unshifted_ce_grad)
    check_cross_entropy_grad(unshifted_ce_grad)
    result = check_cross_entropy_grad(unshifted_ce_grad)  # the top rung: the case in numbers
    assert result.mistake == "unstable" and "logits up to 1000" in result.message
    assert "overflow encountered in exp" in result.message
    assert "underflow" not in result.message  # silent by NumPy's default, so not worth quoting


# --- Other wrong answers ------------------------------------------------------------------------


def first_output_changed(correct, change):
    """The right answer with ``change`` applied to the first output (θ, the loss, the gradient)."""

    def wrong(*args):
        outputs = correct(*args)
        if isinstance(outputs, tuple):
            return (change(outputs[0]), *outputs[1:])
        return change(outputs)

    return wrong


TUPLE_CHECKERS = [
    check_momentum_step,
    check_nesterov_step,
    check_adagrad_step,
    check_rmsprop_step,
    check_adadelta_step,
    check_adam_step,
    check_adamw_step,
    check_bias_correction,
]


@pytest.mark.parametrize("checker", TUPLE_CHECKERS)
def test_the_wrong_number_of_outputs_is_reported(checker):
    one_short = checker(lambda *args: CORRECT[checker](*args)[:-1])
    only_theta = checker(lambda *args: CORRECT[checker](*args)[0])
    assert one_short.mistake == only_theta.mistake == "wrong_output"
    n = 3 if checker in (check_adam_step, check_adadelta_step, check_adamw_step) else 2
    assert f"returned {n - 1} value" in one_short.message
    assert f"it should return {n}" in one_short.message
    assert "returned a single ndarray" in only_theta.message


def test_the_heavy_ball_settings_are_two_numbers():
    only_lr = check_heavy_ball_tuning(lambda mu, L: heavy_ball_tuning(mu, L)[0])
    assert only_lr.mistake == "wrong_output"
    assert "returned a single float64; it should return 2 values: (lr, gamma)" in only_lr.message
    text = check_heavy_ball_tuning(lambda mu, L: ("0.03", "0.6"))
    assert text.mistake == "wrong_output" and "your lr is a str" in text.message
    assert "ρ" not in text.message  # no rate is quoted for settings that are not numbers


def test_the_classic_in_place_steps_are_caught():
    def gd_in_place(theta, grad, lr):
        theta -= lr * grad
        return theta

    def rmsprop_in_place(theta, grad, v, lr, alpha, eps):
        v *= alpha
        v += (1 - alpha) * grad**2
        return theta - lr * grad / (np.sqrt(v) + eps), v

    assert check_gd_step(gd_in_place).mistake == "mutates_input"
    result = check_rmsprop_step(rmsprop_in_place)
    assert result.mistake == "mutates_input" and "input v in place" in result.message


@pytest.mark.parametrize("checker", CHECKERS, ids=IDS)
def test_slightly_wrong_is_not_yet_then_a_hint_then_the_case_in_numbers(checker):
    wrong = first_output_changed(CORRECT[checker], lambda output: output * (1 + 1e-3))
    result = checker(wrong)
    assert not result.passed and result.mistake is None
    assert result.message.startswith("Not yet: your function disagrees with ")
    assert "the first being case 1 of " in result.message
    assert "your function returned" not in result.message  # no numbers on the first rung
    checker(wrong)
    top = checker(wrong).message
    assert "The first case you get wrong, in numbers: case 1 of " in top
    assert "Your function returned" in top and "the right answer is" in top
    assert "The largest difference is in" in top and "relative error 0.001" in top


@pytest.mark.parametrize("checker", CHECKERS, ids=IDS)
def test_round_off_within_the_tolerance_passes(checker):
    assert checker(first_output_changed(CORRECT[checker], lambda output: output * (1 + 1e-9)))


def test_a_relative_error_just_above_the_tolerance_fails():
    assert check_gd_step(lambda theta, grad, lr: (theta - lr * grad) * (1 + 0.5e-6))
    assert not check_gd_step(lambda theta, grad, lr: (theta - lr * grad) * (1 + 2e-6))


def test_non_numbers_and_complex_outputs():
    text = check_max_stable_lr(lambda A: "0.1")
    assert text.mistake == "wrong_output" and "is a str, not a number" in text.message
    ragged = check_momentum_step(lambda theta, g, v, lr, gamma: (theta, [1.0, [2.0]]))
    assert ragged.mistake == "wrong_output" and "your velocity is a list" in ragged.message
    complex_rate = check_max_stable_lr(lambda A: 2 / np.max(np.linalg.eigvals(A)) + 1j)
    assert complex_rate.mistake == "wrong_output"
    assert check_max_stable_lr(lambda A: 2 / np.max(np.linalg.eigvals(A)) + 0j)  # real after all


def test_not_a_function():
    result = check_gd_step(gd_step(np.ones(2), np.ones(2), 0.1))
    assert result.mistake == "not_a_function" and "Pass the function itself" in result.message


def test_overflow_in_the_learners_code_does_not_warn_and_numpy_state_is_restored():
    before = np.geterr()

    def overflows_then_right(theta, grad, lr):
        np.exp(np.full(2, 1e4))  # overflows, warns, and is then ignored
        return theta - lr * grad

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert check_gd_step(overflows_then_right)
        assert check_bce_with_logits(naive_bce).mistake == "unstable"
        assert check_adam_step(adam(t_shift=-1)).mistake == "t_off_by_one"
    assert np.geterr() == before


# --- The verdict object and the engine -------------------------------------------------------


def test_check_result_reads_as_a_verdict():
    passed, failed = CheckResult(True, "Correct!"), CheckResult(False, "a < b & c", "sign")
    assert bool(passed) and not bool(failed)
    assert str(passed) == repr(passed) == "✓ Correct!"
    assert str(failed) == "✗ a < b & c"
    assert "✗ a &lt; b &amp; c" in failed._repr_html_()
    with pytest.raises(AttributeError):
        passed.passed = False  # frozen


def test_check_against_with_a_toy_reference():
    cases = [Case((np.array([1.0, 2.0]),), "two numbers"), Case((np.array([-3.0]),), "negative")]
    mistakes = [
        Mistake("broken", "never matches", lambda x: 1 / 0),  # a variant that raises is skipped
        Mistake("halved", "You halved it.", lambda x: x),
    ]

    def check(candidate):
        return check_against(
            candidate,
            lambda x: 2 * x,
            cases,
            mistakes,
            arg_names=("x",),
            output_names=("y",),
            reference_name="doubling",
        )

    assert check(lambda x: x + x).message.startswith("Correct! Your function matches doubling")
    assert check(lambda x: x.copy()).mistake == "halved"
    assert check(lambda x: 3 * x).message.startswith(
        "Not yet: your function disagrees with doubling on 2 of 2 cases (0 right), the first "
        "being case 1 of 2 (two numbers)."
    )


def test_the_max_stable_lr_answer_is_the_stability_threshold():
    """Independently of any formula: gradient descent on ½xᵀAx converges just below 2/λ_max
    and diverges just above it."""
    rng = np.random.default_rng(0)
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    A = q @ np.diag([0.5, 3.0, 40.0]) @ q.T
    eta = max_stable_lr(A)

    def distance_after(lr, steps=3000):
        x = np.ones(3)
        for _ in range(steps):
            x = x - lr * (A @ x)
        return np.linalg.norm(x)

    assert distance_after(0.99 * eta) < 1e-6
    assert distance_after(1.01 * eta) > 1e6
    assert check_max_stable_lr(max_stable_lr)


def test_the_minibatch_gradient_is_the_gradient_of_the_batch_loss():
    """The right answer above, against central differences of the batch's mean squared error."""
    rng = np.random.default_rng(0)
    X, y, theta = rng.normal(size=(10, 3)), rng.normal(size=10), rng.normal(size=3)
    idx = np.array([1, 4, 4, 9])  # row 4 drawn twice counts twice

    def batch_loss(theta):
        return np.mean((X[idx] @ theta - y[idx]) ** 2)

    gradient = minibatch_gradient(X, y, theta, idx)
    assert relative_error(gradient, numerical_grad(batch_loss, theta)) < 1e-8


# --- Nesterov: where the gradient is read --------------------------------------------------------


def test_nesterov_values_are_diagnosed_before_the_number_of_gradient_calls():
    def plain_momentum_with_a_wasted_call(theta, grad_fn, velocity, lr, gamma):
        grad_fn(theta + gamma * velocity)
        return momentum_step(theta, grad_fn(theta), velocity, lr, gamma)

    assert check_nesterov_step(plain_momentum_with_a_wasted_call).mistake == "plain_momentum"


def test_nesterov_twice_names_the_case_and_the_points():
    result = check_nesterov_step(nesterov_twice)
    assert "(step 1 of 4 in a row)" in result.message
    assert result.message.count("[") >= 2  # the two points where grad_fn was called


def test_nesterov_messages_describe_grad_fn_and_its_misuse():
    never_called = check_nesterov_step(
        lambda theta, grad_fn, v, lr, gamma: momentum_step(
            theta, np.zeros_like(theta), v, lr, gamma
        )
    )
    assert not never_called and never_called.message.startswith("Not yet")
    assert "grad_fn = ∇f of f(x) = ½xᵀAx − bᵀx with A = [[" in never_called.hints[-1]
    scalar = check_nesterov_step(
        lambda theta, grad_fn, v, lr, gamma: nesterov_step(
            theta, lambda x: grad_fn(float(x[0])), v, lr, gamma
        )
    )
    assert scalar.mistake == "raises" and "x must have shape (..., 3)" in scalar.message


def test_nesterov_accepts_a_callable_object_and_rejects_a_value():
    class NesterovStep:
        def __call__(self, theta, grad_fn, velocity, lr, gamma):
            return nesterov_step(theta, grad_fn, velocity, lr, gamma)

    assert check_nesterov_step(NesterovStep())
    result = check_nesterov_step(nesterov_step(np.zeros(3), lambda x: x, np.zeros(3), 0.1, 0.9))
    assert result.mistake == "not_a_function"


# --- The heavy ball's settings, confirmed without the closed form ---------------------------------


def heavy_ball_rate(lr, gamma, curvatures):
    """Largest root modulus of r² − (1 + γ − ηλ)r + γ over the curvatures λ: along an
    eigenvector of curvature λ the heavy ball's error obeys e_{k+1} = (1 + γ − ηλ)e_k − γe_{k−1}."""
    return max(
        np.max(np.abs(np.roots([1.0, -(1 + gamma - lr * lam), gamma]))) for lam in curvatures
    )


@pytest.mark.parametrize(("mu", "L"), [(1.0, 100.0), (0.3, 7.5), (1e-3, 1e3)])
def test_polyak_settings_minimise_the_worst_rate(mu, L):
    lr, gamma = heavy_ball_tuning(mu, L)
    best = heavy_ball_rate(lr, gamma, np.linspace(mu, L, 101))  # the whole interval
    assert best == pytest.approx(polyak_rate(mu, L), rel=1e-6)
    assert best == pytest.approx(np.sqrt(gamma), rel=1e-6)
    # No setting on a grid around Polyak's, and none of the mistakes, does better, even when
    # only the two extreme curvatures count.
    grid = [(a, b) for a in lr * np.linspace(0.5, 1.5, 21) for b in np.linspace(0.0, 0.999, 40)]
    mistakes = [
        (2 / (mu + L), 0.0),
        (1 / L, gamma),
        (1 / L, polyak_rate(mu, L)),
        (lr, polyak_rate(mu, L)),
    ]
    rates = [heavy_ball_rate(a, b, (mu, L)) for a, b in grid + mistakes]
    assert min(rates) > best * (1 - 1e-6)


def test_polyak_settings_converge_at_the_predicted_rate():
    """Run the heavy ball on ½(μx² + Ly²): the error shrinks by (√κ − 1)/(√κ + 1) per step
    (times a factor linear in k: the iteration matrix has a double eigenvalue)."""
    mu, L = 1.0, 100.0
    lr, gamma = heavy_ball_tuning(mu, L)
    curvatures = np.array([mu, L])
    previous = theta = np.array([1.0, 1.0])
    errors = []
    for _ in range(400):
        theta, previous = theta - lr * curvatures * theta + gamma * (theta - previous), theta
        errors.append(np.linalg.norm(theta))
    per_step = (errors[399] / errors[199]) ** (1 / 200)
    assert 9 / 11 <= per_step <= 9 / 11 * 1.01  # (√100 − 1)/(√100 + 1) = 9/11
    assert check_heavy_ball_tuning(heavy_ball_tuning)


def test_the_heavy_ball_rate_is_read_from_the_answers_given_not_a_second_call():
    """The learner's function is called once per case: a second round (to quote the rate) could
    meet an exit() or an endless loop outside the check's protection."""
    calls = []

    def gd_settings_then_exit(mu, L):
        calls.append((mu, L))
        if len(calls) > 13:
            raise SystemExit
        return 2 / (mu + L), 0.0

    result = check_heavy_ball_tuning(gd_settings_then_exit)
    assert result.mistake == "gd_optimal" and "ρ = 0.9802" in result.hints[-1]
    assert len(calls) == 13


def test_the_heavy_ball_message_says_when_settings_diverge():
    result = check_heavy_ball_tuning(lambda mu, L: (3.5 / L, 0.5))  # 1 + γ − ηL = −2 at λ = L
    assert result.message.startswith("Not yet")
    assert "With μ = 1 and L = 100 your settings never converge" in result.hints[-1]
    assert "(ρ = 1.707 ≥ 1 per step)" in result.hints[-1]  # r² + 2r + 0.5 = 0: r = −1 − √½


def test_checkers_document_their_rule_and_run_their_examples():
    for checker in CHECKERS:
        doc = checker.__doc__
        assert ".. math::" in doc and "Expected signature" in doc and ">>> check_" in doc
    # The checkers live in the package's modules, one per chapter: run every module's examples.
    modules = [
        importlib.import_module(f"optlib.exercises.{info.name}")
        for info in pkgutil.iter_modules(exercises.__path__)
    ]
    assert {checker.__module__ for checker in CHECKERS} <= {module.__name__ for module in modules}
    for module in [exercises, *modules]:
        assert doctest.testmod(module).failed == 0, module.__name__


# --- The Adam family: the right answers, confirmed independently ---------------------------------


def test_radam_rho_is_the_papers_sma_length_and_matches_the_spot_values():
    """ρ∞ = 1999 and ρ₁…₆ = 1, 1.9995, 2.9987, 3.9975, 4.9960, 5.9942 for β₂ = 0.999
    (by hand); ρ₁ = 1 for every β₂; and the closed form is the centre-of-mass definition."""
    assert rho_infinity(0.999) == pytest.approx(1999)
    spot = [radam_rho(0.999, t) for t in range(1, 7)]
    assert spot == pytest.approx([1, 1.9995, 2.9987, 3.9975, 4.9960, 5.9942], abs=1e-4)
    for beta2 in (0.0, 0.5, 0.9, 0.99, 0.999):
        assert radam_rho(beta2, 1) == pytest.approx(1, abs=1e-9)
    for beta2, t in [(0.999, 6), (0.999, 1000), (0.9, 10), (0.99, 50), (0.5, 3)]:
        assert radam_rho_by_centre_of_mass(beta2, t) == pytest.approx(
            radam_rho(beta2, t), rel=1e-10
        )


@settings(max_examples=40, deadline=None)
@given(
    beta1=st.floats(0.0, 0.999),
    beta2=st.floats(0.0, 0.999),
    t=st.integers(1, 200),
    g=st.floats(-10.0, 10.0),
)
def test_bias_correction_recovers_a_constant_gradient(beta1, beta2, t, g):
    """An EMA started at zero and fed the same g for t steps is (1 − βᵗ)·g: corrected, g."""
    m = v = 0.0
    for _ in range(t):
        m, v = beta1 * m + (1 - beta1) * g, beta2 * v + (1 - beta2) * g**2
    m_hat, v_hat = bias_correction(np.array([m]), np.array([v]), t, beta1, beta2)
    assert m_hat[0] == pytest.approx(g, rel=1e-9, abs=1e-12)
    assert v_hat[0] == pytest.approx(g**2, rel=1e-9, abs=1e-12)


def test_adamw_is_adam_after_shrinking_theta():
    """With λ = 0 AdamW is Adam; with zero gradient and moments only the decay acts, and it
    always shrinks θ toward zero."""
    rng = np.random.default_rng(0)
    theta, grad = rng.normal(size=4), rng.normal(size=4)
    zeros = np.zeros(4)
    hyper = (0.01, 0.9, 0.999, 1e-8)
    assert np.array_equal(
        adamw_step(theta, grad, zeros, zeros, 1, *hyper, 0.0)[0],
        adam_step(theta, grad, zeros, zeros, 1, *hyper)[0],
    )
    decayed = adamw_step(theta, zeros, zeros, zeros, 1, *hyper, 0.5)[0]
    assert np.allclose(decayed, theta * (1 - 0.01 * 0.5), rtol=1e-15, atol=0)
    assert np.all(np.abs(decayed) < np.abs(theta))


# --- The Adam family: the checkers' behaviour ----------------------------------------------------


def test_the_radam_checker_calls_with_integer_steps():
    def integers_only(beta2, t):
        assert isinstance(t, int), type(t)
        return radam_rho(beta2, t)

    assert check_radam_rho(integers_only)
    exercises.engine.forget()
    result = check_radam_rho(lambda beta2, t: radam_rho(beta2, t) + 0.01)
    assert result.message.startswith("Not yet: your function disagrees")
    assert "the first being case 1 of 15 (the first step" in result.message
    check_radam_rho(lambda beta2, t: radam_rho(beta2, t) + 0.01, hint=True)
    numbers = check_radam_rho(lambda beta2, t: radam_rho(beta2, t) + 0.01, hint=True).message
    assert "beta2 = 0.999, t = 1." in numbers and "returned rho_t = 1.01" in numbers


def test_off_by_one_steps_are_named_without_a_warning_escaping():
    """At t = 1, t − 1 divides by 1 − β⁰ = 0: NaN or inf, quoted as a mistake, not a crash."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        rho = check_radam_rho(lambda b, t: radam_rho(b, t - 1))
        corrected = check_bias_correction(
            lambda m, v, t, b1, b2: bias_correction(m, v, t - 1, b1, b2)
        )
    assert rho.mistake == corrected.mistake == "t_off_by_one"


@pytest.mark.parametrize(
    ("lr", "weight_decay", "at_most", "at_least"),
    [(0.01, 0.01, 2e-6, 0.0), (0.1, 0.5, np.inf, 1e-3)],
)
def test_adamw_decay_after_the_step_needs_a_strong_decay_case(lr, weight_decay, at_most, at_least):
    """With PyTorch's defaults (η = λ = 0.01) decaying after the step moves θ by only ηλΔ ≈ 1e-6,
    about the tolerance; the checker's strong-decay case (η = 0.1, λ = 0.5) tells it apart."""
    args = (np.ones(3), np.ones(3), np.zeros(3), np.zeros(3), 1, lr, 0.9, 0.999, 1e-8, weight_decay)
    difference = relative_error(adamw_decay_after_step(*args)[0], adamw_step(*args)[0])
    assert at_least < difference < at_most
    assert check_adamw_step(adamw_decay_after_step).mistake == "decay_after_step"
