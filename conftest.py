"""The project's own test run: the course's suites (run against solutions/) are the slow tier.

(Judges never see this file: they run with --noconftest and a rootdir of suites/.)
"""

import pytest


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "suites" in item.path.parts:
            item.add_marker(pytest.mark.slow)
