"""Step 28: gradient descent on the Rosenbrock function, 10,000 steps from (0, 2).

DeZero: ``y.backward()``, then ``x0.data -= lr * x0.grad`` after ``cleargrad()``.
fnzero: ``grad`` with ``argnums=(0, 1)`` returns both partial derivatives; nothing to clear.
"""

import fnzero as fz


def rosenbrock(x0, x1):
    return 100 * (x1 - x0**2) ** 2 + (x0 - 1) ** 2


x0, x1 = 0.0, 2.0
lr = 0.001
gradient = fz.grad(rosenbrock, argnums=(0, 1))
for _ in range(10000):
    g0, g1 = gradient(x0, x1)
    x0, x1 = x0 - lr * g0, x1 - lr * g1
print(float(x0), float(x1))
