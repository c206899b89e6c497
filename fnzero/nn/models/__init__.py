"""Models from the book and the CNN chapter."""

from fnzero.nn.models.cifar_nets import NetBatchNorm, NetDepth, NetDropout, NetResDeep, NetWidth, ResBlock
from fnzero.nn.models.vgg import VGG16

__all__ = ["NetBatchNorm", "NetDepth", "NetDropout", "NetResDeep", "NetWidth", "ResBlock", "VGG16"]
