"""The backend conformance suite as a runnable test package:

pytest --pyargs ember.testing.suite --ember-backend NAME
"""
