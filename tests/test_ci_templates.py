"""The CI workflow templates are valid YAML and call real grader commands with real options."""

import re
import shlex

import pytest
import yaml
from helpers import ROOT

from grader.cli import main

TEMPLATES = ["learner-ci.yml", "instructor-ci.yml"]


def run_lines(workflow: dict) -> list[str]:
    lines = []
    for job in workflow["jobs"].values():
        for step in job["steps"]:
            for line in str(step.get("run", "")).splitlines():
                lines.append(line.strip())
    return lines


def grader_calls(line: str) -> list[list[str]]:
    line = re.sub(r"\$\{\{[^}]*\}\}", "X", line)  # GitHub expressions
    tokens = shlex.split(line)
    return [tokens[i + 1 :] for i, t in enumerate(tokens) if t == "grader"]


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_is_a_workflow_that_calls_real_commands(name):
    workflow = yaml.safe_load((ROOT / "templates" / name).read_text())
    assert workflow["jobs"] and (True in workflow or "on" in workflow)  # YAML reads `on:` as True
    calls = [c for line in run_lines(workflow) for c in grader_calls(line)]
    assert calls, "the workflow must run the grader"
    for args in calls:
        command = main.commands.get(args[0])
        assert command is not None, f"grader {args[0]} is not a command"
        known = {opt for p in command.params for opt in (*p.opts, *p.secondary_opts)}
        for token in args[1:]:
            if token.startswith("-"):
                assert token.split("=")[0] in known, f"grader {args[0]} has no option {token}"


def test_the_instructor_workflow_shards_merges_and_keeps_reports():
    workflow = yaml.safe_load((ROOT / "templates" / "instructor-ci.yml").read_text())
    lines = " ".join(run_lines(workflow))
    assert "--shard" in lines and "grader merge" in lines
    shards = workflow["jobs"]["grade"]["strategy"]["matrix"]["shard"]
    assert shards == list(range(1, len(shards) + 1))
    uses = [s.get("uses", "") for job in workflow["jobs"].values() for s in job["steps"]]
    assert any(u.startswith("actions/upload-artifact") for u in uses)
