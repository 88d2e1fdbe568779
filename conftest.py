"""The project's own test run: the course's suites (run against solutions/) are the slow tier.

(Judges never see this file: they run with --noconftest and a rootdir of suites/.)
"""

import pytest

# The files whose graded batches take longest (measured with --durations), longest first. The
# two test processes (-n 2 --dist loadfile) take files in collection order, so starting with
# these keeps one process from running a long file alone at the end.
LONGEST_FIRST = (
    "test_redteam2.py",
    "test_redteam.py",
    "test_gradescope.py",
    "test_learner_walk.py",
    "test_release_zh.py",
    "test_mistakes_ex07.py",
    "test_i18n.py",
    "test_cli.py",
    "test_batch.py",
    "test_release.py",
    "test_notebooks.py",
    "test_leaks.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "suites" in item.path.parts:
            item.add_marker(pytest.mark.slow)
    rank = {name: place for place, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))  # stable: others keep order
