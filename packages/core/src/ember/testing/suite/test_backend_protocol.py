"""The conformance suite for the backend named by ``--ember-backend`` (default: the one serving "cpu")."""

from ember.testing.conformance import BackendConformance


class TestBackendProtocol(BackendConformance):
    backend_name = None
