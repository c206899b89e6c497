"""Mathematical constants, as Python floats (weakly typed: ``x * pi`` keeps ``x``'s dtype),
and ``newaxis`` for indexing."""

import math

pi = math.pi
e = math.e
inf = math.inf
nan = math.nan
euler_gamma = 0.57721566490153286060651209008240243
newaxis = None
