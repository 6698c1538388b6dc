"""The same float32 sum on the default CPU backend and on "double"."""

import ember
import numpy as np

print(ember.backends.by_name("double"))

values = np.full(1_000_000, 0.1, dtype=np.float32)  # a million times 0.1
print("numpy backend: ", ember.from_numpy(values).cumsum(0)[-1])
with ember.backends.use("double"):
    print("double backend:", ember.from_numpy(values).cumsum(0)[-1])
print("in float64:    ", np.cumsum(values, dtype=np.float64)[-1])
