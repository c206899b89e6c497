"""Losses and accuracy against formulas written here in NumPy, stability at logits of +-1000,
second-order derivatives, and clear errors for bad labels."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import fnzero as fz
import fnzero.nn as nn
from fnzero.test_util import check_grads


def _log_softmax(x):
    m = x.max(axis=-1, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=-1, keepdims=True))


@st.composite
def classification(draw):
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    n, k = draw(st.integers(1, 6)), draw(st.integers(2, 5))
    logits = rng.standard_normal((n, k)) * 3
    labels = rng.integers(0, k, n)
    return logits, labels


@given(classification())
def test_softmax_cross_entropy_matches_the_formula_for_labels_and_one_hot(case):
    logits, labels = case
    expected = -np.mean(_log_softmax(logits)[np.arange(len(labels)), labels])
    assert nn.softmax_cross_entropy(logits, labels) == pytest.approx(expected, rel=1e-12)
    one_hot = np.eye(logits.shape[1])[labels]
    assert nn.softmax_cross_entropy(logits, one_hot) == pytest.approx(expected, rel=1e-12)


@given(classification())
def test_softmax_cross_entropy_with_probability_targets_and_reductions(case):
    logits, _ = case
    targets = np.exp(_log_softmax(logits[::-1].copy()))
    per_example = -np.sum(targets * _log_softmax(logits), axis=-1)
    np.testing.assert_allclose(nn.softmax_cross_entropy(logits, targets, reduction="none"), per_example)
    assert nn.softmax_cross_entropy(logits, targets, reduction="sum") == pytest.approx(per_example.sum())


@given(classification())
def test_softmax_cross_entropy_derivatives_to_second_order(case):
    logits, labels = case
    check_grads(lambda z: nn.softmax_cross_entropy(z, labels), (logits,), order=2)
    # d/dz of the mean loss is (softmax - one_hot) / n, the book's formula.
    g = fz.grad(nn.softmax_cross_entropy)(logits, labels)
    np.testing.assert_allclose(
        g, (np.exp(_log_softmax(logits)) - np.eye(logits.shape[1])[labels]) / len(labels)
    )


def test_labels_may_be_a_list():
    logits = np.array([[2.0, 0.0], [0.0, 1.0]])
    assert nn.softmax_cross_entropy(logits, [0, 1]) == nn.softmax_cross_entropy(logits, np.array([0, 1]))


def test_cross_entropy_over_extra_leading_axes():
    logits = np.random.default_rng(0).standard_normal((2, 3, 4))
    labels = np.array([[0, 3, 1], [2, 2, 0]])
    expected = -np.mean(np.take_along_axis(_log_softmax(logits), labels[..., None], -1))
    assert nn.softmax_cross_entropy(logits, labels) == pytest.approx(expected)


LOGITS_1000 = np.array([[1000.0, -1000.0, 0.0], [-1000.0, 1000.0, 999.0]])


@pytest.mark.parametrize(
    "loss, target",
    [
        (nn.softmax_cross_entropy, np.array([1, 2])),
        (nn.softmax_cross_entropy, np.array([[0.0, 1.0, 0.0], [0.5, 0.0, 0.5]])),
        (nn.sigmoid_binary_cross_entropy, np.array([[0.0, 1.0, 1.0], [1.0, 0.0, 0.3]])),
    ],
)
def test_finite_loss_and_gradient_at_logits_of_1000(loss, target):
    value, g = fz.value_and_grad(loss)(LOGITS_1000, target)
    assert np.isfinite(value) and np.all(np.isfinite(g))
    _, gg = fz.value_and_grad(lambda z: fz.grad(loss)(z, target)[0, 0])(LOGITS_1000)
    assert np.all(np.isfinite(gg))


def test_softmax_cross_entropy_at_1000_has_the_exact_value():
    # Row 0: label 1 trails the winner by 2000; row 1: label 1 wins, 1 ahead of the runner-up.
    expected = (2000.0 + np.log1p(np.exp(-1.0))) / 2
    assert nn.softmax_cross_entropy(LOGITS_1000, np.array([1, 1])) == pytest.approx(expected, rel=1e-12)


@given(st.integers(0, 2**32 - 1))
def test_sigmoid_binary_cross_entropy_matches_the_formula(seed):
    rng = np.random.default_rng(seed)
    x, t = rng.standard_normal((4, 3)) * 4, rng.uniform(size=(4, 3))
    p = 1 / (1 + np.exp(-x))
    assert nn.sigmoid_binary_cross_entropy(x, t) == pytest.approx(
        np.mean(-t * np.log(p) - (1 - t) * np.log(1 - p))
    )
    check_grads(lambda x: nn.sigmoid_binary_cross_entropy(x, t), (x,), order=2)


@given(st.integers(0, 2**32 - 1))
def test_mean_squared_error_and_huber_match_their_formulas(seed):
    rng = np.random.default_rng(seed)
    y, t = rng.standard_normal((5, 2)) * 2, rng.standard_normal((5, 2))
    assert nn.mean_squared_error(y, t) == pytest.approx(np.mean((y - t) ** 2))
    e = np.abs(y - t)
    huber = np.where(e <= 0.7, 0.5 * e**2, 0.7 * (e - 0.35))
    assert nn.huber_loss(y, t, delta=0.7) == pytest.approx(huber.mean())
    np.testing.assert_allclose(nn.huber_loss(y, t, 0.7, reduction="none"), huber)
    check_grads(lambda y: nn.mean_squared_error(y, t), (y,), order=2)
    check_grads(lambda y: nn.huber_loss(y, t, delta=0.7), (y,), order=2)


@given(
    st.integers(0, 2**32 - 1),
    st.sampled_from([((4, 3), (4, 3)), ((4, 3), (3,)), ((1, 3), (4, 3)), ((), (2,))]),
    st.sampled_from(["mean", "sum"]),
)
def test_mean_squared_error_one_primitive_in_both_arguments_with_broadcasting(seed, shapes, reduction):
    """The fused loss against NumPy's formula, and its derivatives in the predictions and the
    targets (to second order, both modes) against finite differences."""
    rng = np.random.default_rng(seed)
    y, t = (rng.standard_normal(s) for s in shapes)
    reduce = np.mean if reduction == "mean" else np.sum
    assert nn.mean_squared_error(y, t, reduction=reduction) == pytest.approx(reduce((y - t) ** 2))
    check_grads(lambda y, t: nn.mean_squared_error(y, t, reduction=reduction), (y, t), order=2)
    per_row = fz.vmap(lambda y, t: nn.mean_squared_error(y, t, reduction=reduction), (0, None))
    rows = rng.standard_normal((3,) + np.shape(y))
    np.testing.assert_allclose(per_row(rows, t), [reduce((r - t) ** 2) for r in rows], rtol=1e-12)


def test_float32_losses_stay_float32(backend):
    x = backend.xp.asarray(LOGITS_1000, dtype=np.float32)
    loss, g = fz.value_and_grad(nn.softmax_cross_entropy)(x, backend.xp.asarray([0, 1]))
    assert loss.dtype == np.float32 and g.dtype == np.float32


def test_accuracy():
    logits = np.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7], [0.6, 0.4]])
    assert float(nn.accuracy(logits, np.array([1, 0, 0, 0]))) == 0.75


@pytest.mark.parametrize(
    "call, words",
    [
        (
            lambda: nn.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 3])),
            r"label 3 is out of range for 3 classes",
        ),
        (lambda: nn.softmax_cross_entropy(np.zeros((2, 3)), np.array([-1, 0])), r"label -1 is out of range"),
        (lambda: nn.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 1, 2])), r"labels of shape \(3,\)"),
        (
            lambda: nn.softmax_cross_entropy(np.zeros((2, 3)), np.zeros((2, 4))),
            r"probabilities of shape \(2, 4\)",
        ),
        (lambda: nn.softmax_cross_entropy(np.zeros((2, 3)), np.array([0, 1]), reduction="avg"), "reduction"),
        (lambda: nn.sigmoid_binary_cross_entropy(np.zeros((2, 3)), np.zeros(3)), r"labels of shape \(3,\)"),
        (lambda: nn.accuracy(np.zeros((2, 3)), np.array([0, 5])), "out of range"),
    ],
)
def test_bad_labels_are_clear_errors(call, words):
    with pytest.raises(ValueError, match=words):
        call()
