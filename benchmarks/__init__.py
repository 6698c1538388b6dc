"""ember benchmarks: ember vs PyTorch CPU vs hand-written NumPy, side by side."""
