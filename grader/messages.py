"""Every sentence the grader says to a learner, in one place, so the course can be translated.

Each entry is a `str.format` template. `say(key, **fields)` fills one in. To add a
language, add a table with the same keys to `CATALOGS` and set GRADER_LANG (e.g. "zh").
Suites write their own check titles and hints; the grader's own wording lives here.
"""

from __future__ import annotations

import os

EN: dict[str, str] = {
    # --- what happened when the grader called learner code
    "probe_call": "your code (as this check calls it)",
    "call_raised": "Calling `{call}` raised {exc_type}: {exc_message}",
    "call_not_implemented": "`{function}` is not written yet: it still raises NotImplementedError. "
    "Open {file} and replace the `raise NotImplementedError(...)` line with your code.",
    "call_exit": "`{call}` called sys.exit() (SystemExit({exc_message})). A function should "
    "return its result, not end the program.",
    "call_timeout": "`{call}` did not finish within {seconds:g} s, so it was stopped. Look for a "
    "loop that never ends, or work that grows much faster than the input.",
    "call_timeout_skipped": "`{function}` was not called again: it already ran past the time limit "
    "{count} times in this run (see the first check that stopped it).",
    "call_died": "The run ended during `{call}`: {how}. Nothing your code returned could be graded.",
    "how_exit_code": "the process exited with code {code} (os._exit or a crash in a library)",
    "how_signal": "the process was killed by signal {signal} ({name})",
    "how_cpu_limit": "it used more CPU time than allowed",
    "call_forbidden": "`{function}` called `{api}` (line {line} of {file}), which this exercise "
    "forbids. {hint}",
    "forbidden_hint": "Write it yourself with basic tensor operations.",
    "call_forbidden_kernel": "`{function}` made PyTorch run its own `{api}` (line {line} of "
    "{file}), which this exercise forbids, whichever function led there. {hint}",
    "device_mixed": "`{call}` failed on the stand-in device, a pretend GPU that computes on the "
    "CPU but, like a real GPU, refuses to mix devices: {exc_type}: {exc_message}\nYour code made "
    "a tensor on a fixed device (the CPU) and combined it with the input. Create new tensors on "
    "the input's device, e.g. `torch.zeros(..., device=x.device)`, `torch.zeros_like(x)` or "
    "`x.new_zeros(...)`, never on a fixed device.",
    "device_numpy": "`{call}` failed on the stand-in device, a pretend GPU: {exc_type}: "
    "{exc_message}\nNumPy sees only the CPU's memory: on a GPU, `.numpy()` needs `.cpu()` first "
    "(and `.detach()` for a tensor that requires grad).",
    "call_tamper": "`{call}` was stopped: your code {what}{where}. Nothing in this course needs "
    "to inspect or rewrite the running program, and the grader measures some things beside "
    "your code: the points of every check that relies on those measurements are held back, and "
    "an instructor will look at your submission.",
    "tamper_where": " (line {line} of {file})",
    "tamper_frames": "asked for the interpreter's stack frames (sys._getframe, inspect, traceback)",
    "tamper_frame_internals": "read the internals of a frame or of running code ({detail})",
    "tamper_rewrite": "rewrote the code or internals of a function ({detail})",
    "tamper_code": "built or relabelled a code object",
    "tamper_compile": "compiled and ran code made at run time (compile, exec, eval)",
    "tamper_gc": "searched the garbage collector's objects (gc)",
    "tamper_trace": "installed a tracer or an audit hook",
    "tamper_native": "used native code ({event})",
    "tamper_import": "imported {detail}",
    "tamper_open": "opened {detail}",
    "tamper_forged": "wrote on the grader's own channel",
    "tamper_other": "did {event}",
    "importing": "importing {file}",
    "call_changed_input": "`{call}` changed its input `{name}`: {how} A function must leave what "
    "it was given as it was (unless its docstring says otherwise): the caller still uses it.",
    "changed_values": "its values are different now (an in-place operation such as `{name} -= …`, "
    "`{name}.add_(…)`, `{name}[…] = …`, or a write through `.data` or `.numpy()`). Compute on new "
    "tensors instead (`{name} - m`, not `{name} -= m`).",
    "changed_written_back": "it was written in place and then put back as it was (e.g. "
    "`{name}.sub_(m)` … `{name}.add_(m)`). Even when the values come back, an in-place write to "
    "an input breaks autograd and any code that reads it meanwhile: compute on new tensors.",
    "changed_shape": "its shape changed (`resize_`, `unsqueeze_`, `set_`, …).",
    "changed_dtype": "its dtype changed.",
    "changed_device": "it was moved to another device in place.",
    "changed_requires_grad": "its requires_grad flag changed (`{name}.requires_grad_()` changes the "
    "caller's tensor: use `{name}.detach().requires_grad_()` for a tensor of your own).",
    "changed_grad": "its `.grad` changed (a `backward()` through it, or `.grad` set or zeroed): "
    "save and restore it, or take gradients with `torch.autograd.grad`.",
    "changed_strides": "its memory layout changed (an in-place `transpose_`, `t_`, …).",
    "changed_items": "the container itself was changed (items added, removed or replaced): build "
    "a new list or dict instead.",
    "changed_more": "({count} more input(s) changed too.)",
    "calls_described": "{first} (and {count} calls like it)",
    "call_bad_return": "`{call}` returned something the grader could not read: {detail}",
    "call_missing_name": "{file} has no `{name}`. Check the spelling: the name must be exactly "
    "`{name}`.{available}",
    "call_missing_available": " It defines: {names}.",
    "call_too_large": "`{call}` returned more than {limit} MiB of data, more than any answer in "
    "this course needs, so it was not read.",
    "call_internal_error": "While running `{call}`, the grader's helper process failed: {detail}. "
    "If your code changes PyTorch or Python itself (monkeypatching), undo that.",
    "module_missing": "{file} is missing from your submission, so nothing in it could be checked.",
    "module_import_failed": "{file} could not be imported: {exc_type}: {exc_message}",
    "module_syntax_error": "{file} has a syntax error on line {line}: {exc_message}",
    "module_import_timeout": "Importing {file} did not finish within {seconds:g} s. Code at the top "
    "level of the file runs on import: is there a loop there that never ends?",
    "module_import_died": "Importing {file} ended the run: {how}.",
    "traceback_header": "Where it happened in your code:",
    "traceback_line": "  {file}, line {line}, in {function}\n    {code}",
    "output_header": "Your code printed:",
    "output_truncated": "[… output cut: more than {limit} characters]",
    # --- comparisons
    "expected_tensor": "{what}: expected a torch.Tensor, got {got_type}{got_repr}.",
    "expected_plain_tensor": "{what}: expected a plain torch.Tensor, got {got_type} "
    "(a subclass of Tensor). Return an ordinary tensor.",
    "shape_mismatch": "{what}: wrong shape: expected {expected}, got {got}.",
    "dtype_mismatch": "{what}: wrong dtype: expected {expected}, got {got}. {hint}",
    "dtype_hint_input": "Keep the dtype of the input (float64 in gives float64 out).",
    "dtype_hint_argument": "Use the dtype that the `{argument}` argument asks for (its default "
    "when the caller leaves it out).",
    "dtype_hint_fixed": "The docstring fixes it: always {expected}, whatever the input.",
    "device_mismatch": "{what}: wrong device: expected {expected}, got {got}. {hint}",
    "device_hint_input": "Create new tensors on the input's device (e.g. `torch.zeros(..., "
    "device=x.device)`), never on a fixed device.",
    "device_hint_argument": "Create it on the device that the `{argument}` argument names (its "
    "default when the caller leaves it out), never on a fixed device.",
    "device_hint_fixed": "The docstring fixes it: always {expected}.",
    "values_mismatch": "{what}: {count} of {total} values differ from PyTorch's ({percent}).",
    "values_abs": "Largest absolute difference: {abs_err:.3g} at index {abs_index} (expected "
    "{abs_expected}, got {abs_got}).",
    "values_rel": "Largest relative difference: {rel_err:.3g} at index {rel_index}.",
    "values_tolerance": "Allowed: |got - expected| <= {atol:g} + {rtol:g} * |expected|.",
    "values_nan": "{what}: {count} value(s) are NaN or infinite where PyTorch gives finite "
    "numbers (first at index {index}). Look for division by zero, or exp() of a large number.",
    "value_mismatch": "{what}: expected {expected}, got {got}.",
    "expected_raise": "{what}: expected your code to raise {expected}, but it returned {got}.",
    "expected_raise_other": "{what}: expected {expected}, but your code raised {got_type}: {got_message}",
    "input_modified": "{what}: your function changed its input `{name}`. Work on a copy "
    "(or build new tensors) instead of writing into the input.",
    # --- verdicts and summaries
    "tamper_withheld": "Held back: this check relies on what the grader measures beside your "
    "code, and your submission reaches into the grader's machinery: {sign}. An instructor "
    "will look at it.",
    "flag_tamper_runtime": "was stopped for reaching into the running program: {what}",
    "message_cut": "[… {count} more characters cut]",
    "golden_stale": "This check compares with values recorded when your kit was made, with torch "
    "{made}; you have torch {have}, which may draw other inputs or compute other values. Install "
    "torch {made} to run it (or ask for a kit made with yours).",
    "check_crashed": "The check itself failed (a grader problem, not yours): {detail}",
    "not_run": "This check did not run: {reason}",
    "not_run_budget": "the time budget for this submission ran out before it",
    "not_run_judge": "the grading run stopped before it ({detail})",
    "skipped_cuda": "no CUDA device",
    "this_machine": "this machine",
    "shared_points": "A check's device cases share its points: they are shown on one of its rows.",
    "grading_machine": "the grading machine",
    # --- when the grading run itself failed (the grader's fault, never the learner's)
    "judge_time_limit": "the grading run was stopped after its time limit",
    "judge_no_report": "the grader's test run ended without a report (exit code {code})",
    "render_failed": "this submission's report could not be written ({detail}): a grader "
    "problem, graded again on the next run",
    "judge_no_checks": "the grader's test run did not collect any checks",
    "judge_suites_broken": "the course's checks could not be collected ({files}): an "
    "instructor should run `grader verify`",
    "judge_pytest_failed": "the checks could not run (pytest exit code {code})",
    "judge_learner_code": "the grader's test run imported learner code ({names})",
    "summary_public_only": "Only public checks ran. Hidden checks ({hidden_count} checks, "
    "{hidden_points} points) run when your submission is graded.",
    "summary_public_only_unknown": "Only public checks ran. More checks may run when your "
    "submission is graded.",
    "summary_all_passed": "All {count} checks passed.",
    "summary_total": "Total: {earned:g} / {possible:g} points ({percent:.0f}%)",
    "summary_skipped": "{count} device case(s) skipped on {machine} ({reasons}): a check's "
    "device cases share its points, so they change neither your points nor the total.",
    "same_as_above": "(the same problem as above)",
    "every_check_failed": "All {count} checks failed, for one reason:",
    "report_written": "HTML report: {path}",
    "table_exercise": "exercise",
    "table_points": "points",
    "table_passed": "checks passed",
    "table_todo": "not written yet",
    "progress_heading": "Progress (public checks)",
    "no_check_about": "no check of the exercises named is about {functions}: name a function "
    "as it is written in the exercise (e.g. `grader check 01::one_hot`).",
    "exercise_passed_count": "{passed} of {count} checks passed",
    "check_skipped": "skipped: {reason}",
    "report_skipped_one": "{count} case skipped on {machine} ({reasons}); it changes neither "
    "the points nor the total.",
    "report_skipped": "{count} cases skipped on {machine} ({reasons}); they change neither the "
    "points nor the total.",
    "gradescope_score": "{earned:g} / {possible:g} points ({percent:.0f}%).",
    "gradescope_not_graded": "Not graded: {detail}",
    "list_hidden_not_in_kit": "Hidden checks are not part of this kit: they run when you are "
    "graded.",
    # --- screening: flags for an instructor's look (they never change a score)
    "flag_grader": "imports the grader itself ({what})",
    "flag_test_machinery": "imports test machinery ({what}): exercises never need it",
    "flag_introspection": "inspects the running program ({what}): can be used to look for expected values",
    "flag_atexit": "registers code to run at exit ({what})",
    "flag_native": "loads native code ({what})",
    "flag_processes": "starts or signals processes ({what})",
    "flag_network": "uses the network ({what})",
    "flag_import_machinery": "changes how modules are imported ({what})",
    "flag_patching": "changes shared library code at run time ({what})",
    "flag_exit": "ends the process abruptly ({what})",
    "flag_guard": "switches off PyTorch's function hooks ({what}), which the forbidden-call check uses",
    "flag_dynamic_code": "runs code built at run time ({what})",
    "flag_internals": "reaches into the interpreter's internals ({what}): exercise code never "
    "needs them, and they lead to the grader's own machinery",
    "flag_private": "uses PyTorch's private internals ({what}): they can switch off or get around "
    "the checks that run beside your code",
    "flag_private_attribute": "reads a private attribute of an object it did not make ({what})",
    "flag_dynamic_access": "looks up attributes by a name computed at run time ({what}): write "
    "the attribute out (`obj.name`), so it is plain what your code uses",
    "flag_descriptors": "works with raw file descriptors ({what})",
    "flag_star_import": "imports everything from {what} (`import *`)",
    # --- intake: what was wrong with the files handed in
    "intake_missing_module": "{file} was not found in the submission.",
    "intake_ignored": "Not part of the exercises, so not used: {files}",
    "intake_empty": "The submission is empty: it holds no files.",
    "intake_no_modules": "No exercise module was found: expected files named {files} "
    "(at the top level or in an exercises/ folder).",
    "intake_submission_link": "The submission itself is a symbolic link.",
    "intake_not_a_submission": "{name} is neither a folder, a .zip file nor a notebook (.ipynb).",
    "intake_not_found": "{name} does not exist.",
    "intake_too_many_files": "More than {limit} files: the rest were not looked at.",
    "intake_symlink": "{file} is a symbolic link: links are never followed.",
    "intake_bad_zip": "{name} is not a readable .zip file ({detail}).",
    "intake_zip_entries": "{name} holds {count} entries (at most {limit}).",
    "intake_unsafe_entry": "Skipped zip entry {name!r}: {why}.",
    "intake_why_absolute": "an absolute path",
    "intake_why_parent": "a path that climbs out of the archive (..)",
    "intake_why_link": "a symbolic link",
    "intake_why_ratio": "it would inflate to far more than an exercise module (a zip bomb)",
    "intake_zip_total": "{name} would inflate to {mib} MiB (at most {limit} MiB).",
    "intake_unreadable": "{file} could not be read ({detail}).",
    "intake_too_large": "{file} is larger than {limit_kib} KiB, so it was not graded.",
    "intake_not_utf8": "{file} is not UTF-8 text (byte {byte}); save it as UTF-8.",
    # --- intake: notebooks (grader/intake/notebook.py)
    "intake_notebook_used": "{module} was made from the code cells of {file}.",
    "intake_notebook_left_out": "{file}: {count} top-level statement(s) were left out, because "
    "only definitions (def, class), imports and constant assignments are graded, as a module "
    "would run them at import (code that runs, magics and shell lines are not): {where}.",
    "intake_notebook_where": "cell {cell} line {line} ({what})",
    "intake_notebook_more": "; and {count} more",
    "intake_notebook_syntax": "{file}: a cell does not parse, so it was left out (a kernel runs "
    "none of it either): {where}.",
    "intake_not_a_notebook": "{file} could not be read as a notebook ({detail}).",
}

CATALOGS: dict[str, dict[str, str]] = {"en": EN}


LANGUAGES = ("en", "zh")


def language() -> str:
    """The learner's language: GRADER_LANG, else the locale (LC_ALL, LC_MESSAGES, LANG:
    `zh_CN.UTF-8` gives "zh"); English where neither names a language the course speaks."""
    for name in ("GRADER_LANG", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(name, "").strip().lower()
        if value and value not in ("c", "posix") and not value.startswith("c."):
            code = value.replace("-", "_").split("_")[0].split(".")[0]
            return code if code in LANGUAGES else "en"
    return "en"


def _catalog() -> dict[str, str]:
    return CATALOGS.get(language(), EN)


def say(key: str, **fields: object) -> str:
    template = _catalog().get(key) or EN[key]
    return template.format(**fields)


def titles(doc: str | None, fallback: str) -> tuple[str, str]:
    """A check's (English, Chinese) title from its docstring: the first line, and the line
    that starts with `zh:` (the English one where there is none)."""
    lines = [line.strip() for line in (doc or "").strip().splitlines() if line.strip()]
    english = lines[0] if lines else fallback
    chinese = next((line[3:].strip() for line in lines[1:] if line.startswith("zh:")), english)
    return english, chinese or english


def title(doc: str | None, fallback: str) -> str:
    english, chinese = titles(doc, fallback)
    return chinese if language() == "zh" else english


ZH_MARK = "zh:"  # a line of its own in a stub's docstring: the Chinese docstring follows it


def docstring_parts(doc: str) -> tuple[str, str | None]:
    """A stub's docstring as (English, Chinese): the Chinese part is everything after a line
    that is exactly `zh:` (None where there is none). Both keep their examples (`>>>`)."""
    lines = doc.splitlines()
    for i, line in enumerate(lines):
        if line.strip() == ZH_MARK:
            english = "\n".join(lines[:i]).rstrip()
            chinese = "\n".join(lines[i + 1 :]).strip("\n")
            return english, chinese
    return doc, None
