"""The bundled sample class stays in step with the course."""

import zipfile

from helpers import ROOT


def test_the_perfect_sample_is_the_current_solutions():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "build_samples", ROOT / "examples" / "build_samples.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with zipfile.ZipFile(module.PERFECT) as archive:
        held = {name: archive.read(name) for name in archive.namelist()}
    assert held == module.perfect_entries(), "run: python examples/build_samples.py"


def test_the_readme_opens_with_the_two_commands():
    lines = (
        (ROOT / "README.md")
        .read_text()
        .split("```bash", 1)[1]
        .split("```", 1)[0]
        .strip()
        .splitlines()
    )
    commands = [line for line in lines if line and not line.startswith("#")]
    assert commands[0].startswith(
        "pip install torch==2.13.0 -e . && grader batch examples/submissions"
    )
    assert commands[1] == "pip install torch==2.13.0 -e '.[test]' && python -m pytest"
    ci = (ROOT / ".ci" / "run").read_text()
    assert commands[1] in ci.splitlines(), ".ci/run must run the README's test command as written"
