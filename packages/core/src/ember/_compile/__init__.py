"""ember.compile: trace a step once while it runs eagerly, then replay it as generated array code."""

from ._compiled import CompiledFunction, OptimizedModule, compile
from ._tracer import GraphBreak

__all__ = ["CompiledFunction", "GraphBreak", "OptimizedModule", "compile"]
