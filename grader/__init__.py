"""A PyTorch fundamentals course kit: exercises, and an auto-grader that checks them against real PyTorch."""

__version__ = "0.1.0"
