"""Utilities: `ember.utils.data`."""
