"""ember-numpy passes core's backend conformance suite (ember.testing.conformance)."""

from ember.testing.conformance import BackendConformance


class TestNumpyConformance(BackendConformance):
    backend_name = "numpy"
