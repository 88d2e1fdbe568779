"""`python -m grader`, and the `grader` command (pyproject's [project.scripts])."""

import sys

# The commands that grade: they start a worker template, and all but `doctor` run judges.
GRADING_COMMANDS = frozenset(["check", "grade", "batch", "verify", "doctor"])
JUDGING_COMMANDS = GRADING_COMMANDS - {"doctor"}


def run() -> None:
    """First of all, before even the command line's own modules load, and while this process
    holds nothing of the course, the class or the command's options: a grading command imports
    torch and forks its worker template and its early judge (which imports pytest while this
    process loads click and parses the command line). Then the command itself."""
    from grader.run.judge import early
    from grader.run.shared import launcher

    launcher.prefork_template(sys.argv[1:], GRADING_COMMANDS)
    early.prefork_judge(sys.argv[1:], JUDGING_COMMANDS)
    from grader.cli import main

    main()


if __name__ == "__main__":
    run()
