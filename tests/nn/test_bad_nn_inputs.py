"""Bad inputs to the losses, layers, batch norm, dropout, the DataLoader and pytrees: clear
errors naming the argument, what was given and what is accepted, never a silent wrong answer."""

from __future__ import annotations

import numpy as np
import pytest

import fnzero as fz
import fnzero.nn as nn
from fnzero import data, random, tree

LOSSES = {
    "mean_squared_error": nn.mean_squared_error,
    "huber_loss": nn.huber_loss,
    "softmax_cross_entropy": nn.softmax_cross_entropy,
    "sigmoid_binary_cross_entropy": nn.sigmoid_binary_cross_entropy,
}


@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name", LOSSES)
def test_predictions_3x1_against_targets_3_are_refused_naming_both_shapes(name, reduction):
    with pytest.raises(
        ValueError, match=rf"fnzero.nn.{name}: .*of shape \(3,\).*\(3, 1\)|\(3, 1\).*\(3,\)"
    ) as e:
        LOSSES[name](np.ones((3, 1)), np.ones(3), reduction=reduction)
    assert "(3, 1)" in str(e.value) and "(3,)" in str(e.value)


@pytest.mark.parametrize("name", ["mean_squared_error", "huber_loss"])
@pytest.mark.parametrize("shapes", [((3,), (3, 1)), ((4, 1), (1, 4)), ((2, 3), (4,))])
def test_regression_losses_refuse_shapes_that_broadcast_both_ways(name, shapes):
    with pytest.raises(ValueError, match=r"not both broadcast to|a third shape"):
        LOSSES[name](np.ones(shapes[0]), np.ones(shapes[1]))
    with pytest.raises(ValueError, match="do not match"):
        fz.grad(lambda y: LOSSES[name](y, np.ones(shapes[1])))(np.ones(shapes[0]))


@pytest.mark.parametrize("name", ["mean_squared_error", "huber_loss"])
def test_regression_losses_still_broadcast_one_side_into_the_other(name):
    y = np.arange(6.0).reshape(2, 3)
    for t in (np.ones(3), np.ones((1, 3)), 1.0, [1.0, 1.0, 1.0]):
        assert np.isfinite(LOSSES[name](y, t))
    per_row = fz.vmap(lambda y: LOSSES[name](y, np.ones(3)))(y)
    assert per_row.shape == (2,)


@pytest.mark.parametrize("delta", [0, -1.0, np.nan, None, "1"])
def test_huber_delta_must_be_positive(delta):
    with pytest.raises(
        (ValueError, TypeError), match="fnzero.nn.huber_loss: delta must be a finite real number > 0"
    ):
        nn.huber_loss(np.ones(2), np.ones(2), delta)


LAYERS = [
    (
        lambda: nn.Linear(2.5, 3, key=random.key(0)),
        TypeError,
        r"Linear: in_features must be an integer >= 1, got 2.5 \(float\)",
    ),
    (
        lambda: nn.Linear(2, -3, key=random.key(0)),
        ValueError,
        "Linear: out_features must be an integer >= 1, got -3",
    ),
    (lambda: nn.Linear(0, 3, key=random.key(0)), ValueError, "in_features must be an integer >= 1, got 0"),
    (lambda: nn.Linear("2", 3, key=random.key(0)), TypeError, "in_features must be an integer >= 1, got '2'"),
    (
        lambda: nn.Linear(True, 3, key=random.key(0)),
        TypeError,
        r"in_features must be an integer >= 1, got True \(bool\)",
    ),
    (
        lambda: nn.MLP([2, 0, 1], key=random.key(0)),
        ValueError,
        r"MLP: sizes\[1\] must be an integer >= 1, got 0",
    ),
    (lambda: nn.MLP(3, key=random.key(0)), TypeError, "MLP: sizes must be a sequence of ints"),
    (
        lambda: nn.Conv2d(3, 4, 0, key=random.key(0)),
        ValueError,
        "Conv2d: kernel_size must be an integer >= 1, got 0",
    ),
    (
        lambda: nn.Conv2d(3, 4, 2.5, key=random.key(0)),
        TypeError,
        r"Conv2d: kernel_size must be an int or a pair of ints >= 1, got 2.5",
    ),
    (
        lambda: nn.Conv2d(3, 4, (3, -1), key=random.key(0)),
        ValueError,
        "kernel_size must be an integer >= 1, got -1",
    ),
    (
        lambda: nn.Conv2d(3.0, 4, 3, key=random.key(0)),
        TypeError,
        "Conv2d: in_channels must be an integer >= 1",
    ),
    (
        lambda: nn.Conv2d(3, 0, 3, key=random.key(0)),
        ValueError,
        "Conv2d: out_channels must be an integer >= 1",
    ),
    (
        lambda: nn.Conv2d(3, 4, 3, stride=0, key=random.key(0)),
        ValueError,
        "Conv2d: stride must be an integer >= 1, got 0",
    ),
    (
        lambda: nn.Conv2d(3, 4, 3, padding=-1, key=random.key(0)),
        ValueError,
        "Conv2d: padding must be an integer >= 0, got -1",
    ),
    (
        lambda: nn.Conv2d(3, 4, 3, dilation=1.5, key=random.key(0)),
        TypeError,
        "Conv2d: dilation must be an int or a pair",
    ),
    (
        lambda: nn.Conv2d(4, 4, 3, groups=0, key=random.key(0)),
        ValueError,
        "Conv2d: groups must be an integer >= 1",
    ),
    (
        lambda: nn.ConvTranspose2d(3, 4, 3, output_padding=-1, key=random.key(0)),
        ValueError,
        "ConvTranspose2d: output_padding must be",
    ),
    (lambda: nn.BatchNorm(0), ValueError, "BatchNorm: num_features must be an integer >= 1, got 0"),
    (lambda: nn.BatchNorm(4.0), TypeError, "BatchNorm: num_features must be an integer"),
    (
        lambda: nn.BatchNorm(4, momentum=1.5),
        ValueError,
        r"BatchNorm: momentum must be a finite real number in \[0, 1\]",
    ),
    (lambda: nn.BatchNorm(4, eps=-1e-5), ValueError, "BatchNorm: eps must be a finite real number >= 0"),
    (lambda: nn.LayerNorm(0), ValueError, "LayerNorm: normalized_shape must be an integer >= 1, got 0"),
    (lambda: nn.LayerNorm(2.5), TypeError, "LayerNorm: normalized_shape must be an int or a tuple of ints"),
    (
        lambda: nn.Embedding(10, -2, key=random.key(0)),
        ValueError,
        "Embedding: embedding_dim must be an integer >= 1",
    ),
    (
        lambda: nn.RNN(3, 0, key=random.key(0)),
        ValueError,
        "RNNCell: hidden_size must be an integer >= 1, got 0",
    ),
    (lambda: nn.LSTM(2.0, 4, key=random.key(0)), TypeError, "LSTMCell: input_size must be an integer >= 1"),
    (lambda: nn.Dropout(None), TypeError, r"Dropout: rate must be in \[0, 1\] .*got None"),
    (lambda: nn.Dropout(1.5), ValueError, r"Dropout: rate must be in \[0, 1\]"),
]


@pytest.mark.parametrize("make, error, words", LAYERS)
def test_layer_sizes_and_settings_are_checked(make, error, words):
    with pytest.raises(error, match=words):
        make()


def test_valid_sizes_still_build_layers():
    k = random.key(0)
    assert nn.Linear(np.int64(2), 3, key=k).W.shape == (2, 3)
    assert nn.Conv2d(2, 4, (3, 1), padding=(1, 0), key=k).W.shape == (4, 2, 3, 1)
    assert nn.LayerNorm((2, 3)).gamma.shape == (2, 3)
    assert nn.Dropout(0.0).rate == 0.0 and nn.Dropout().rate == 0.5


@pytest.mark.parametrize(
    "rate, error",
    [
        (None, TypeError),
        ("0.5", TypeError),
        (-0.1, ValueError),
        (1.01, ValueError),
        (np.nan, ValueError),
        (True, TypeError),
    ],
)
def test_dropout_rate_must_be_a_number_in_0_1(rate, error):
    with pytest.raises(error, match=rf"fnzero.nn.dropout: rate must be in \[0, 1\] .*got {rate!r}"):
        nn.dropout(np.ones(3), rate, key=random.key(0), train=True)


def test_batch_norm_refuses_an_empty_training_batch():
    gamma, beta, mean, var = np.ones(2), np.zeros(2), np.zeros(2), np.ones(2)
    for shape in [(0, 2), (0, 2, 4, 4), (3, 2, 0, 4)]:
        with pytest.raises(
            ValueError, match=rf"train=True on an empty batch \(input of shape \({shape[0]}, 2"
        ):
            nn.batch_norm(np.ones(shape), gamma, beta, mean, var, train=True)
    y, (m, v) = nn.batch_norm(np.ones((0, 2)), gamma, beta, mean, var, train=False)  # inference: fine
    assert y.shape == (0, 2) and np.array_equal(m, mean)
    with pytest.raises(ValueError, match=r"has no channels"):
        nn.batch_norm(np.ones((3, 0)), gamma[:0], beta[:0], mean[:0], var[:0], train=True)
    with pytest.raises(ValueError, match=r"momentum must be a finite real number in \[0, 1\], got 2"):
        nn.batch_norm(np.ones((3, 2)), gamma, beta, mean, var, train=True, momentum=2)
    bn = nn.BatchNorm(2)
    with pytest.raises(ValueError, match="empty batch"):
        bn(np.ones((0, 2), np.float32), bn.init_state(), train=True)


@pytest.mark.parametrize(
    "batch_size, error",
    [
        (None, TypeError),
        ("4", TypeError),
        (2.0, TypeError),
        (0, ValueError),
        (-1, ValueError),
        (True, TypeError),
    ],
)
def test_dataloader_batch_size_must_be_a_positive_int(batch_size, error):
    ds = data.ArrayDataset(np.zeros((5, 2)), np.zeros(5))
    with pytest.raises(
        error, match=rf"fnzero.data.DataLoader: batch_size must be an integer >= 1, got {batch_size!r}"
    ):
        data.DataLoader(ds, batch_size)
    with pytest.raises(error, match="SeqDataLoader: batch_size must be"):
        data.SeqDataLoader(ds, batch_size)


def test_dataloader_accepts_numpy_ints():
    loader = data.DataLoader(data.ArrayDataset(np.zeros((5, 2)), np.zeros(5)), np.int64(2), shuffle=False)
    assert [len(x) for x, _ in loader] == [2, 2, 1]


def test_dict_keys_of_mixed_types_name_the_keys():
    with pytest.raises(
        TypeError, match=r"keys must be sortable .*got keys \[1, 'b'\] of types \['int', 'str'\]"
    ):
        tree.flatten({1: np.ones(2), "b": np.ones(2)})
    with pytest.raises(TypeError, match=r"got keys \[1, 'b'\]"):
        fz.grad(lambda d: d["b"].sum())({1: np.ones(2), "b": np.ones(2)})
    leaves, _ = tree.flatten({2: "x", 1: "y"})
    assert leaves == ["y", "x"]  # one type: sorted as before


@pytest.mark.parametrize("name", ["shuffle", "drop_last"])
@pytest.mark.parametrize("value", ["False", None, 1])
def test_dataloader_flags_must_be_bools(name, value):
    ds = data.ArrayDataset(np.zeros((5, 2)), np.zeros(5))
    with pytest.raises(
        TypeError, match=rf"fnzero.data.DataLoader: {name} must be True or False, got {value!r}"
    ):
        data.DataLoader(ds, 2, **{name: value})
    assert data.DataLoader(ds, 2, **{name: np.bool_(False)}).batch_size == 2


@pytest.mark.parametrize(
    "make, error, words",
    [
        (
            lambda: nn.MaxPool2d(0),
            ValueError,
            "fnzero.nn.MaxPool2d: kernel_size must be an integer >= 1, got 0",
        ),
        (
            lambda: nn.MaxPool2d(2.5),
            TypeError,
            r"MaxPool2d: kernel_size must be an int or a pair of ints >= 1, got 2.5",
        ),
        (lambda: nn.AvgPool2d(2, stride=0), ValueError, "AvgPool2d: stride must be an integer >= 1, got 0"),
        (
            lambda: nn.AvgPool2d(2, padding=-1),
            ValueError,
            "AvgPool2d: padding must be an integer >= 0, got -1",
        ),
    ],
)
def test_pooling_layers_check_their_windows_when_made(make, error, words):
    with pytest.raises(error, match=words):
        make()


def test_pooling_layers_with_valid_windows_still_run():
    x = np.ones((1, 1, 4, 4))
    assert nn.MaxPool2d(2, padding=(1, 1))(x).shape == (1, 1, 3, 3)
    assert nn.AvgPool2d((2, 1), stride=(2, np.int64(1)))(x).shape == (1, 1, 2, 4)


def test_linear_refuses_a_bias_that_would_broadcast_the_output():
    x, W = np.ones((3, 2)), np.ones((2, 3))
    with pytest.raises(
        ValueError, match=r"fnzero.nn.linear: b has shape \(3, 1\), expected \(3,\) for W of shape \(2, 3\)"
    ):
        nn.linear(x, W, np.ones((3, 1)))
    with pytest.raises(ValueError, match=r"b has shape \(\), expected \(3,\)"):
        nn.linear(x, W, np.float64(1.0))
    with pytest.raises(ValueError, match=r"W must be \(in_features, out_features\), got shape \(2,\)"):
        nn.linear(x, np.ones(2))
    assert nn.linear(x, W, np.ones((1, 3))).shape == (3, 3)
    assert fz.vmap(lambda b: nn.linear(x, W, b))(np.ones((4, 3))).shape == (4, 3, 3)


def test_layer_norm_axis_must_be_ints():
    x = np.ones((2, 3))
    for axis in (1.5, "1", (0, 1.0), None):
        with pytest.raises(
            TypeError, match=r"fnzero.nn.layer_norm: axis must be an int or a tuple of ints, got"
        ):
            nn.layer_norm(x, axis=axis)
    assert nn.layer_norm(x, axis=np.int64(-1)).shape == (2, 3)


@pytest.mark.parametrize("train", ["False", None, 0])
def test_train_flags_must_be_bools(train):
    with pytest.raises(TypeError, match=rf"fnzero.nn.dropout: train must be True or False, got {train!r}"):
        nn.dropout(np.ones(3), 0.5, key=random.key(0), train=train)
    with pytest.raises(TypeError, match=rf"fnzero.nn.batch_norm: train must be True or False, got {train!r}"):
        nn.batch_norm(np.ones((2, 2)), np.ones(2), np.zeros(2), np.zeros(2), np.ones(2), train=train)


@pytest.mark.parametrize(
    "call, fragment",
    [
        (
            lambda: nn.leaky_relu(np.ones(3), "a"),
            r"fnzero.nn.leaky_relu: negative_slope must be a number, got 'a'",
        ),
        (lambda: nn.elu(np.ones(3), None), r"fnzero.nn.elu: alpha must be a number, got None"),
        (lambda: nn.celu(np.ones(3), "1"), r"fnzero.nn.celu: alpha must be a number"),
        (lambda: nn.squareplus(np.ones(3), "4"), r"fnzero.nn.squareplus: b must be a number"),
        (
            lambda: nn.Sequential(nn.relu, 3),
            r"fnzero.nn.Sequential: layers\[1\] must be a layer or a function, got 3",
        ),
        (lambda: data.Compose(data.Flatten(), "x"), r"fnzero.data.Compose: transforms\[1\] must be callable"),
        (lambda: data.AsType("float99"), r"fnzero.data.AsType: dtype must be a NumPy dtype, got 'float99'"),
        (lambda: data.Normalize(0.5, 0.0), r"fnzero.data.Normalize: std must be nonzero"),
        (lambda: data.Normalize(0.5, np.array([1.0, 0.0])), r"fnzero.data.Normalize: std must be nonzero"),
        (lambda: tree.unflatten([1, 2], [1, 2]), r"fnzero.tree.unflatten: treedef must be a PyTreeDef"),
        (
            lambda: tree.register(3, lambda x: ((), None), lambda a, c: 3),
            r"fnzero.tree.register: cls must be a class",
        ),
    ],
)
def test_wrong_parameters_are_named_before_they_fail_deep_inside(call, fragment):
    with pytest.raises((TypeError, ValueError), match=fragment):
        call()


def test_the_parameters_still_take_numbers_and_arrays():
    x = np.array([-1.0, 2.0])
    np.testing.assert_allclose(nn.leaky_relu(x, np.float32(0.5)), [-0.5, 2.0])
    np.testing.assert_allclose(fz.grad(lambda a: fz.numpy.sum(nn.elu(x, a)))(1.0), np.expm1(-1.0))
    np.testing.assert_allclose(data.Normalize(1.0, np.array([2.0, 4.0]))(np.array([3.0, 5.0])), [1.0, 1.0])
    assert data.AsType("float32")(np.ones(2, int)).dtype == np.float32


def test_loaders_and_datasets_name_what_they_are_given():
    with pytest.raises(TypeError, match=r"fnzero.data.DataLoader: dataset must have a length and items"):
        data.DataLoader(object(), 2, shuffle=False)
    with pytest.raises(
        TypeError, match=r"ArrayDataset: label must be an array with one entry per example, got 3"
    ):
        data.ArrayDataset(np.ones((5, 2)), 3)


@pytest.mark.parametrize(
    "call, fragment",
    [
        (lambda v: nn.gelu(np.ones(3), approximate=v), "nn.gelu: approximate"),
        (lambda v: nn.logsumexp(np.ones(3), return_sign=v), "nn.logsumexp: return_sign"),
        (lambda v: nn.Linear(2, 3, key=random.key(0), bias=v), "nn.Linear: bias"),
        (lambda v: nn.Conv2d(3, 4, 3, key=random.key(0), bias=v), "nn.Conv2d: bias"),
        (lambda v: data.spiral(train=v), "data.spiral: train"),
        (lambda v: data.digits(train=v), "data.digits: train"),
    ],
)
def test_flags_given_as_strings_are_refused(call, fragment):
    # "False" is truthy: the layer would get a bias, the loader the training set.
    with pytest.raises(TypeError, match=rf"fnzero.{fragment} must be True or False, got 'False'"):
        call("False")
    call(False)


@pytest.mark.parametrize(
    "call, fragment",
    [
        (
            lambda: nn.max_pool2d(np.ones((1, 1, 4, 4)), 2.0),
            r"nn.max_pool2d: kernel_size must be an int or a pair",
        ),
        (
            lambda: nn.conv2d(np.ones((1, 1, 4, 4)), np.ones((1, 1, 3, 3)), stride=1.0),
            r"nn.conv2d: stride must be",
        ),
        (lambda: nn.glu(np.ones((2, 4)), axis=1.0), r"nn.glu: axis must be an int, got 1.0"),
        (
            lambda: random.permutation(random.key(0), np.ones((2, 3)), axis=0.0),
            r"random.permutation: axis must be an int",
        ),
        (
            lambda: random.categorical(random.key(0), np.ones((2, 3)), axis=1.0),
            r"random.categorical: axis must be an int",
        ),
    ],
)
def test_window_sizes_and_axes_given_as_floats_are_refused(call, fragment):
    with pytest.raises((TypeError, ValueError), match=fragment):
        call()
