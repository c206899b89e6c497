"""Optimizers refuse what would give a silent wrong answer: gradients, state and params of
different structures or leaf shapes, ``update(None, state)``, and nonsensical
hyper-parameters. Each error names the argument, what was given and what is accepted."""

from __future__ import annotations

import math

import numpy as np
import pytest

import fnzero as fz
import fnzero.optim as optim

OPTIMIZERS = {
    "sgd": lambda: optim.sgd(0.1),
    "momentum": lambda: optim.momentum(0.1, 0.9),
    "nesterov": lambda: optim.sgd(0.1, 0.9, nesterov=True),
    "adagrad": lambda: optim.adagrad(0.1),
    "adadelta": lambda: optim.adadelta(),
    "rmsprop": lambda: optim.rmsprop(0.1),
    "adam": lambda: optim.adam(0.1),
    "adamw": lambda: optim.adamw(0.1),
    "schedule": lambda: optim.adam(optim.cosine_decay_schedule(0.1, 10)),
    "clipped": lambda: optim.chain(optim.clip_by_global_norm(1.0), optim.adam(0.1)),
}


def _params():
    return {"w": np.ones((3, 2)), "b": np.zeros(3)}


def _step(opt, params, grads):
    updates, state = opt.update(grads, opt.init(params), params)
    return optim.apply_updates(params, updates)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_gradients_of_another_shape_are_refused_not_broadcast(name):
    params = _params()
    grads = {"w": np.ones((3, 2)), "b": np.ones((3, 1))}
    with pytest.raises(ValueError, match=r"leaf b of (updates|params) has shape \((3, 1|3,)\)") as e:
        _step(OPTIMIZERS[name](), params, grads)
    assert "(3, 1)" in str(e.value) and "(3,)" in str(e.value)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_gradients_of_another_structure_are_refused(name):
    params = _params()
    grads = {"w": np.ones((3, 2)), "c": np.ones(3)}
    with pytest.raises(ValueError, match="different structures") as e:
        _step(OPTIMIZERS[name](), params, grads)
    assert "'c'" in str(e.value) and "'b'" in str(e.value)


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_update_of_none_is_refused(name):
    opt = OPTIMIZERS[name]()
    state = opt.init(_params())
    with pytest.raises(TypeError, match=r"got updates=None; pass the gradients"):
        opt.update(None, state, _params())


def test_adam_does_not_pair_moments_with_gradients_by_position():
    opt = optim.adam(0.1)
    state = opt.init([np.ones(2), np.ones(3)])
    with pytest.raises(
        ValueError, match=r"leaf 0 of updates has shape \(3,\) but that of state\['m'\] has shape \(2,\)"
    ):
        opt.update([np.ones(3), np.ones(2)], state)
    with pytest.raises(ValueError, match="different structures"):
        opt.update((np.ones(2), np.ones(3)), state)  # a tuple where the state holds a list


def test_a_state_made_by_another_optimizer_is_refused():
    params = _params()
    sgd_state = optim.sgd(0.1).init(params)
    with pytest.raises(ValueError, match=r"a tuple of 2 \(one per link of the chain\), got a tuple of 0"):
        optim.adam(0.1).update(params, sgd_state, params)
    with pytest.raises(ValueError, match="got dict"):
        optim.adam(0.1).update(params, {"m": 0}, params)


def test_apply_updates_refuses_broadcasting_and_none():
    with pytest.raises(ValueError, match=r"shape \(3, 1\) but that of params has shape \(3,\)"):
        optim.apply_updates(np.ones(3), np.ones((3, 1)))
    with pytest.raises(ValueError, match="different structures"):
        optim.apply_updates({"a": np.ones(3)}, {"b": np.ones(3)})
    with pytest.raises(TypeError, match="apply_updates: updates is None"):
        optim.apply_updates({"a": np.ones(3)}, None)
    with pytest.raises(ValueError, match="has a value where params has None"):
        optim.apply_updates({"a": None}, {"a": np.ones(3)})
    out = optim.apply_updates({"a": np.ones(3), "b": np.ones(2)}, {"a": None, "b": np.ones(2)})
    np.testing.assert_array_equal(out["a"], 1.0)  # None: that parameter stays
    np.testing.assert_array_equal(out["b"], 2.0)


def test_decayed_weights_need_params_of_the_gradients_shapes():
    opt = optim.adamw(0.1)
    params = _params()
    state = opt.init(params)
    with pytest.raises(ValueError, match="add_decayed_weights: leaf b of updates has shape"):
        opt.update(params, state, {"w": np.ones((3, 2)), "b": np.ones((1, 3))})


BAD_HYPERPARAMETERS = [
    (
        optim.sgd,
        dict(learning_rate=-1.0),
        ValueError,
        "learning_rate must be a finite real number >= 0, got -1.0",
    ),
    (
        optim.sgd,
        dict(learning_rate=math.nan),
        ValueError,
        "learning_rate must be a finite real number >= 0, got nan",
    ),
    (
        optim.adam,
        dict(learning_rate=math.inf),
        ValueError,
        "learning_rate must be a finite real number >= 0, got inf",
    ),
    (
        optim.adam,
        dict(learning_rate="0.1"),
        TypeError,
        "learning_rate must be a finite real number >= 0, got '0.1' \\(str\\)",
    ),
    (optim.adam, dict(learning_rate=None), TypeError, "learning_rate must be a finite real number"),
    (
        optim.adam,
        dict(b1=1),
        ValueError,
        r"scale_by_adam: b1 must be a finite real number in \[0, 1\), got 1",
    ),
    (optim.adam, dict(b1=-0.1), ValueError, r"b1 must be a finite real number in \[0, 1\)"),
    (optim.adam, dict(b2=1.5), ValueError, r"b2 must be a finite real number in \[0, 1\), got 1.5"),
    (optim.adamw, dict(b2=math.nan), ValueError, r"b2 must be"),
    (optim.adam, dict(eps=0), ValueError, "eps must be a finite real number > 0, got 0"),
    (optim.adam, dict(eps=-1e-8), ValueError, "eps must be a finite real number > 0"),
    (optim.adamw, dict(weight_decay=-1e-4), ValueError, "weight_decay must be a finite real number >= 0"),
    (optim.adagrad, dict(eps=0.0), ValueError, "scale_by_adagrad: eps must be"),
    (
        optim.rmsprop,
        dict(decay=1.0),
        ValueError,
        r"scale_by_rms: decay must be a finite real number in \[0, 1\)",
    ),
    (optim.rmsprop, dict(eps=-1.0), ValueError, "scale_by_rms: eps must be"),
    (
        optim.adadelta,
        dict(rho=1.2),
        ValueError,
        r"scale_by_adadelta: rho must be a finite real number in \[0, 1\)",
    ),
    (optim.adadelta, dict(eps=0), ValueError, "scale_by_adadelta: eps must be"),
    (
        optim.momentum,
        dict(momentum=1.0),
        ValueError,
        r"sgd: momentum must be a finite real number in \[0, 1\)",
    ),
    (optim.momentum, dict(momentum=-0.5), ValueError, r"momentum must be"),
    (optim.sgd, dict(learning_rate=0.1, momentum="0.9"), TypeError, "momentum must be a finite real number"),
    (
        optim.clip_by_global_norm,
        dict(max_norm=-1),
        ValueError,
        r"max_norm must be a real number \(not NaN\) > 0, got -1",
    ),
    (optim.clip_by_global_norm, dict(max_norm=0), ValueError, "max_norm must be"),
    (optim.clip_by_global_norm, dict(max_norm=math.nan), ValueError, "max_norm must be"),
    (optim.clip, dict(max_delta=-0.5), ValueError, "clip: max_delta must be"),
    (optim.trace, dict(decay=2.0), ValueError, "trace: decay must be"),
    (optim.scale, dict(factor=math.nan), ValueError, "scale: factor must be a finite real number, got nan"),
    (
        optim.add_decayed_weights,
        dict(weight_decay=True),
        TypeError,
        r"weight_decay must be .*got True \(bool\)",
    ),
]


@pytest.mark.parametrize("factory, kwargs, error, words", BAD_HYPERPARAMETERS)
def test_nonsensical_hyperparameters_are_refused(factory, kwargs, error, words):
    with pytest.raises(error, match=words):
        factory(**kwargs)


def test_a_schedule_giving_a_bad_learning_rate_is_refused_at_its_step():
    opt = optim.sgd(lambda step: 0.1 if step < 2 else math.nan)
    params = np.ones(2)
    state = opt.init(params)
    for _ in range(2):
        updates, state = opt.update(params, state)
    with pytest.raises(
        ValueError, match=r"learning_rate \(the schedule's value at step 2\) must be .*got nan"
    ):
        opt.update(params, state)


@pytest.mark.parametrize(
    "make",
    [
        lambda: optim.sgd(0.0),
        lambda: optim.sgd(np.float32(0.1), momentum=0.0),
        lambda: optim.sgd(np.asarray(0.1)),
        lambda: optim.adam(1, b1=0, b2=0.0),
        lambda: optim.chain(optim.clip_by_global_norm(math.inf), optim.clip(math.inf), optim.sgd(0.1)),
        lambda: optim.adamw(0.1, weight_decay=0),
    ],
)
def test_edge_hyperparameters_that_make_sense_are_accepted(make):
    params = _params()
    new = _step(make(), params, {"w": np.ones((3, 2)), "b": np.ones(3)})
    assert all(np.all(np.isfinite(v)) for v in new.values())


def test_masked_and_frozen_trees_still_work():
    params = _params()
    mask = {"w": True, "b": False}
    opt = optim.masked(optim.adam(0.1), mask)
    updates, _ = opt.update(params, opt.init(params), params)
    np.testing.assert_array_equal(updates["b"], params["b"])  # passed through
    assert np.all(updates["w"] < 0)
    single = optim.masked(optim.adam(0.1), False)
    updates, _ = single.update(np.ones(3), single.init(np.ones(3)))
    np.testing.assert_array_equal(updates, 1.0)


def test_a_jitted_step_still_checks_and_runs():
    opt = optim.adam(0.1)

    @fz.jit
    def step(params, grads, state):
        updates, state = opt.update(grads, state, params)
        return optim.apply_updates(params, updates), state

    params = _params()
    new, _ = step(params, params, opt.init(params))
    np.testing.assert_allclose(new["w"], 1.0 - 0.1)
    with pytest.raises(ValueError, match=r"shape \(3, 1\)"):
        step(params, {"w": np.ones((3, 2)), "b": np.ones((3, 1))}, opt.init(params))


@pytest.mark.parametrize(
    "make, fragment",
    [
        (
            lambda: optim.warmup_schedule(0.1, -1),
            r"warmup_schedule: warmup_steps must be an integer >= 0, got -1",
        ),
        (lambda: optim.warmup_schedule(0.1, 2.5), r"warmup_schedule: warmup_steps must be an integer >= 0"),
        (
            lambda: optim.warmup_schedule(math.nan, 5),
            r"warmup_schedule: peak_value must be a finite real number",
        ),
        (lambda: optim.warmup_schedule(0.1, 5, after=0.01), r"warmup_schedule: after must be a schedule"),
        (
            lambda: optim.cosine_decay_schedule(0.1, 0),
            r"cosine_decay_schedule: decay_steps must be an integer >= 1",
        ),
        (lambda: optim.cosine_decay_schedule(0.1, 10, alpha=2.0), r"cosine_decay_schedule: alpha must be"),
        (
            lambda: optim.step_schedule(-0.1, [5]),
            r"step_schedule: init_value must be a finite real number >= 0",
        ),
        (lambda: optim.step_schedule(0.1, [5.5]), r"step_schedule: boundaries must be an integer >= 0"),
        (lambda: optim.constant_schedule(math.inf), r"constant_schedule: value must be a finite real number"),
    ],
)
def test_a_schedule_with_a_nonsensical_argument_is_refused_naming_it(make, fragment):
    with pytest.raises((TypeError, ValueError), match=fragment):
        make()


def test_warmup_then_decay_gives_the_rates_it_promises():
    schedule = optim.warmup_schedule(0.2, 4, optim.cosine_decay_schedule(0.2, 10))
    assert [schedule(s) for s in range(4)] == pytest.approx([0.05, 0.1, 0.15, 0.2])
    assert schedule(4) == pytest.approx(0.2) and schedule(14) == pytest.approx(0.0, abs=1e-12)
    assert optim.warmup_schedule(0.3, 0)(0) == 0.3


@pytest.mark.parametrize("link", [3, None, lambda g: g])
def test_chain_refuses_a_link_that_is_not_a_transformation(link):
    with pytest.raises(
        TypeError, match=r"fnzero.optim.chain: transforms\[1\] must be a GradientTransformation"
    ):
        optim.chain(optim.scale(0.1), link)


def test_nesterov_must_be_a_bool():
    with pytest.raises(TypeError, match=r"fnzero.optim.trace: nesterov must be True or False, got 'yes'"):
        optim.sgd(0.1, momentum=0.9, nesterov="yes")


def test_adam_steps_integer_leaves_by_zero_instead_of_failing_in_its_kernel():
    params = {"n": np.arange(3), "w": np.ones(4)}
    grads = fz.grad(lambda p: fz.numpy.sum(p["w"] ** 2), allow_int=True)(params)
    opt = optim.adam(0.1)
    updates, _ = opt.update(grads, opt.init(params), params)
    np.testing.assert_array_equal(optim.apply_updates(params, updates)["n"], np.arange(3))
    np.testing.assert_allclose(updates["w"], -0.1 * np.ones(4), rtol=1e-6)
