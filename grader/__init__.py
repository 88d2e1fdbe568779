"""A PyTorch fundamentals course kit: exercises, and an auto-grader that checks them against real PyTorch.

`from grader import check` is the learner's check from Python (grader/api.py); it is loaded
only when asked for, so `import grader` stays a version string.
"""

__version__ = "0.1.0"
__all__ = ["__version__", "check"]


def __getattr__(name: str):
    if name == "check":
        from grader.api import check

        return check
    raise AttributeError(f"module 'grader' has no attribute {name!r}")
