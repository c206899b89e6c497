"""The GPU backend: CuPy, imported only when a user asks for it."""

from fnzero.backends.base import Backend
from fnzero.backends.cupy_kernels import make_kernels

INSTALL_HINT = (
    "the 'cupy' backend needs CuPy and an NVIDIA GPU: install it with "
    '`pip install "fnzero[gpu]"` (or the cupy-cudaXXx wheel matching your CUDA), '
    "or choose the 'numpy' backend"
)


def make() -> Backend:
    try:
        import cupy
        import cupyx
    except ImportError as e:
        raise ImportError(INSTALL_HINT) from e
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as e:  # CUDA driver missing or broken: CuPy raises its own types
        raise RuntimeError(f"{INSTALL_HINT} (CuPy found no usable GPU: {e})") from e
    if count == 0:
        raise RuntimeError(f"{INSTALL_HINT} (CuPy found no GPU)")

    def from_host(x):
        return cupy.asarray(x)

    return Backend(
        name="cupy",
        xp=cupy,
        array_types=(cupy.ndarray,),
        scatter_add=cupyx.scatter_add,
        to_host=cupy.asnumpy,
        from_host=from_host,
        kernels=make_kernels(cupy),
        on_host=False,
    )
