"""VGG16 classifying an image (the book's step 58), with ImageNet weights read from a local
.npz file (DeZero's vgg16.npz, or any file with its layer names: conv1_1/W, ..., fc8/b).
fnzero never downloads: without --weights it says so and stops. The model's sizes come from the
file's shapes (no random VGG16 is built first). With --fast and no weights it builds a tiny
VGG16 (width 2, 32x32 images) with random weights and runs one inference."""

from __future__ import annotations

import os

import numpy as np

import fnzero as fz
import fnzero.nn as nn
from fnzero.examples._common import fail, make_parser, positive_int, seed
from fnzero.nn.models import VGG16

NAME = "vgg16_inference"
# The per-channel means (BGR) subtracted by the original VGG16 preprocessing.
BGR_MEAN = np.array([103.939, 116.779, 123.68], dtype=np.float32)


def preprocess(image: np.ndarray, size: int) -> np.ndarray:
    """An (H, W, 3) RGB image -> (3, size, size) float32 in VGG16's input convention: resized
    (nearest neighbour), channels as BGR, the ImageNet means subtracted, channels first."""
    if image.ndim != 3 or image.shape[2] != 3:
        raise ValueError(f"expected an (H, W, 3) RGB image, got an array of shape {image.shape}")
    h, w = image.shape[:2]
    rows = (np.arange(size) * h) // size
    cols = (np.arange(size) * w) // size
    resized = image[rows][:, cols].astype(np.float32)
    return (resized[:, :, ::-1] - BGR_MEAN).transpose(2, 0, 1)


def stripes(size: int) -> np.ndarray:
    """A synthetic black-and-white striped picture, (size, size, 3) uint8, for when no image is given."""
    y, x = np.mgrid[0:size, 0:size] / size
    light = (np.sin(2 * np.pi * (6 * x + 2 * y + np.sin(3 * y))) > 0) * 200 + 30
    return np.repeat(light[:, :, None], 3, axis=2).astype(np.uint8)


def read_image(path: str) -> np.ndarray:
    """An RGB image from a .npy array (H, W, 3), or any picture format when Pillow is installed."""
    if not os.path.exists(path):
        fail(NAME, f"--image: {path!r} does not exist")
    if path.endswith(".npy"):
        return np.load(path, allow_pickle=False)
    try:
        from PIL import Image
    except ImportError:
        fail(
            NAME,
            f"--image: reading {os.path.basename(path)!r} needs Pillow (pip install pillow); "
            "or pass an (H, W, 3) uint8 array saved with numpy.save as a .npy file",
        )
    with Image.open(path) as img:
        return np.asarray(img.convert("RGB"))


def read_labels(path: str | None, count: int) -> list[str]:
    if path is None:
        return [f"class {i}" for i in range(count)]
    with open(path) as f:
        names = [line.strip() for line in f if line.strip()]
    if len(names) != count:
        fail(NAME, f"--labels: {path!r} has {len(names)} names but the model has {count} classes")
    return names


def load_model(weights: str | None, fast: bool, seed: int) -> tuple[VGG16, int]:
    """The model and its input size: the VGG16 that ``weights`` holds (its sizes read from the
    file's shapes, no random model built first), or with --fast and no weights a tiny random one."""
    if weights is not None:
        if not os.path.exists(weights):
            fail(NAME, f"--weights: {weights!r} does not exist")
        try:
            model = VGG16.from_weights(weights)
        except (ValueError, OSError) as e:
            fail(NAME, f"--weights: {e}")
        return model, model.image_size
    if not fast:
        fail(
            NAME,
            "no weights: pass --weights PATH to a VGG16 .npz file (e.g. DeZero's vgg16.npz); "
            "fnzero does not download (or run with --fast for a tiny VGG16 with random weights)",
        )
    print("using random weights (tiny VGG16 for --fast): the classes it picks mean nothing")
    return VGG16(key=fz.random.key(seed), width=2, fc_width=32, image_size=32), 32


def main(argv: list[str] | None = None) -> dict:
    parser = make_parser(NAME, __doc__)
    parser.add_argument("--weights", default=None, help="a VGG16 .npz file with DeZero's layer names")
    parser.add_argument(
        "--image", default=None, help="an image (.npy (H, W, 3) RGB array; others need Pillow)"
    )
    parser.add_argument("--labels", default=None, help="a text file with one class name per line")
    parser.add_argument("--top", type=positive_int, default=5)
    parser.add_argument("--seed", type=seed, default=0)
    args = parser.parse_args(argv)
    model, size = load_model(args.weights, args.fast, args.seed)
    if args.image is None:
        print("no --image given: classifying a synthetic striped picture")
        image = stripes(size)
    else:
        image = read_image(args.image)
    try:
        x = preprocess(image, size)[None]
    except ValueError as e:
        fail(NAME, f"--image: {e}")
    logits = np.asarray(model(x, train=False))
    probs = np.asarray(nn.softmax(logits))[0]
    names = read_labels(args.labels, probs.shape[0])
    top = np.argsort(-probs)[: args.top]
    for rank, i in enumerate(top, 1):
        print(f"{rank}. {names[i]} ({probs[i]:.4f})")
    return {
        "params": nn.count_params(model),
        "logits_shape": logits.shape,
        "top": [int(i) for i in top],
        "probabilities": [float(probs[i]) for i in top],
        "label": names[top[0]],
    }


if __name__ == "__main__":
    main()
