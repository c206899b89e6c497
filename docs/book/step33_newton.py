"""Step 33: Newton's method with the second derivative, on f(x) = x**4 - 2 * x**2.

DeZero: ``y.backward(create_graph=True)``, then ``gx.backward()`` for the second derivative.
fnzero: ``grad(grad(f))``; higher orders need no flag.
"""

import fnzero as fz


def f(x):
    return x**4 - 2 * x**2


df = fz.grad(f)
d2f = fz.grad(df)
x = 2.0
for i in range(10):
    print(i, float(x))
    x = x - df(x) / d2f(x)
