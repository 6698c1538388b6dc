"""The autograd engine: grad modes, graph nodes, the math namespaces of backward rules, one backward engine.

This package sits below the ops (which record into it) and above the tensor. `ember.autograd` is
its public face.
"""
