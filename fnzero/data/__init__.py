"""fnzero.data: datasets (the book's toy sets, digits shipped with the package, MNIST,
Fashion-MNIST, CIFAR-10 from local files, which ``download=True`` fetches and checks against
their SHA-256: ``fnzero.data.download``), batch transforms and data loaders."""

from fnzero.data.cifar import CIFAR10
from fnzero.data.dataset import ArrayDataset
from fnzero.data.digits import digits
from fnzero.data.loader import DataLoader, SeqDataLoader
from fnzero.data.mnist import MNIST, FashionMNIST, read_idx
from fnzero.data.toy import sine_curve, spiral
from fnzero.data.transforms import AsType, Compose, Flatten, Normalize

__all__ = [
    "ArrayDataset",
    "DataLoader",
    "SeqDataLoader",
    "CIFAR10",
    "MNIST",
    "FashionMNIST",
    "read_idx",
    "digits",
    "spiral",
    "sine_curve",
    "AsType",
    "Compose",
    "Flatten",
    "Normalize",
]
