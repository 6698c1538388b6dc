"""ember's backend conformance suite, run against ember-cupy.

On the simulated CUDA it always runs (the backend code, over NumPy standing in for
CuPy); against real CuPy it runs where there is a GPU (marked `cuda`).
"""

import pytest
from ember.testing.conformance import BackendConformance


class TestSimulatedCupyConformance(BackendConformance):
    backend_name = "cupy-simulated"

    @pytest.fixture(autouse=True)
    def _registered(self, sim):
        return sim


@pytest.mark.cuda
class TestCupyConformance(BackendConformance):
    backend_name = "cupy"
