"""The parts of `ember.save` / `ember.load`; `ember.serialization` is the public face."""
