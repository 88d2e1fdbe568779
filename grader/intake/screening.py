"""Static screening: flag code that deserves an instructor's look. Flags never change a score.

Honest learners almost never need these; a submission that uses them may be probing the
grader. Each flag names the file and line. Screening reads the code (ast); it runs nothing.
"""

from __future__ import annotations

import ast
from pathlib import Path

from grader.messages import say
from grader.records import Finding

# Modules whose import is worth a look, and why (a key of messages.EN).
SUSPICIOUS_MODULES = {
    "grader": "flag_grader",
    "pytest": "flag_test_machinery",
    "_pytest": "flag_test_machinery",
    "pluggy": "flag_test_machinery",
    "pytest_jsonreport": "flag_test_machinery",
    "gc": "flag_introspection",
    "inspect": "flag_introspection",
    "atexit": "flag_atexit",
    "ctypes": "flag_native",
    "cffi": "flag_native",
    "subprocess": "flag_processes",
    "multiprocessing": "flag_processes",
    "pty": "flag_processes",
    "signal": "flag_processes",
    "socket": "flag_network",
    "ssl": "flag_network",
    "urllib": "flag_network",
    "http": "flag_network",
    "requests": "flag_network",
    "importlib": "flag_import_machinery",
    "builtins": "flag_patching",
}
SUSPICIOUS_CALLS = {
    "sys._getframe": "flag_introspection",
    "sys.settrace": "flag_introspection",
    "sys.setprofile": "flag_introspection",
    "os.fork": "flag_processes",
    "os.kill": "flag_processes",
    "os.killpg": "flag_processes",
    "os.system": "flag_processes",
    "os.popen": "flag_processes",
    "os.setsid": "flag_processes",
    "os._exit": "flag_exit",
    "torch._C.DisableTorchFunction": "flag_guard",
    "torch._C.DisableTorchFunctionSubclass": "flag_guard",
    "torch._C._disabled_torch_function_impl": "flag_guard",
    "exec": "flag_dynamic_code",
    "eval": "flag_dynamic_code",
    "compile": "flag_dynamic_code",
    "__import__": "flag_import_machinery",
}
# Assigning to an attribute of these (torch.allclose = ...) patches shared machinery.
PATCHED_ROOTS = {"torch", "builtins", "sys", "np", "numpy", "F", "nn", "os"}


def screen(workspace: Path, modules: list[str]) -> list[Finding]:
    flags: list[Finding] = []
    for name in modules:
        try:
            tree = ast.parse((workspace / name).read_text(encoding="utf-8"), filename=name)
        except (SyntaxError, ValueError, OSError):
            continue  # the run reports a syntax error to the learner
        flags += _Screen(name).flags_of(tree)
    return flags


class _Screen(ast.NodeVisitor):
    def __init__(self, file: str) -> None:
        self.file = file
        self.flags: list[Finding] = []
        self.aliases: dict[str, str] = {}  # local name -> dotted module path

    def flags_of(self, tree: ast.AST) -> list[Finding]:
        self.visit(tree)
        return self.flags

    def flag(self, node: ast.AST, key: str, what: str) -> None:
        line = getattr(node, "lineno", None)
        if not any(f.line == line and f.code == key for f in self.flags):
            self.flags.append(Finding("warning", key, say(key, what=what), self.file, line))

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.aliases[alias.asname or alias.name.split(".")[0]] = (
                alias.name if alias.asname else alias.name.split(".")[0]
            )
            self._module(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        self._module(node, module)
        for alias in node.names:
            full = f"{module}.{alias.name}"
            self.aliases[alias.asname or alias.name] = full
            key = SUSPICIOUS_CALLS.get(full) or SUSPICIOUS_MODULES.get(full)
            if key:
                self.flag(node, key, full)

    def _module(self, node: ast.AST, module: str) -> None:
        key = SUSPICIOUS_MODULES.get(module.split(".")[0])
        if key:
            self.flag(node, key, module)

    def visit_Call(self, node: ast.Call) -> None:
        name = self._dotted(node.func)
        if name:
            key = SUSPICIOUS_CALLS.get(name)
            if key:
                self.flag(node, key, name)
            if name in ("setattr", "delattr") and node.args:
                target = self._dotted(node.args[0])
                if target and target.split(".")[0] in self._patched_roots():
                    self.flag(node, "flag_patching", f"{name}({target}, ...)")
        self.generic_visit(node)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        name = self._dotted(node)
        if name and name in SUSPICIOUS_CALLS and isinstance(node.ctx, ast.Load):
            self.flag(node, SUSPICIOUS_CALLS[name], name)
        if (
            isinstance(node.ctx, (ast.Store, ast.Del))
            and name
            and name.split(".")[0] in self._patched_roots()
        ):
            self.flag(node, "flag_patching", name)
        self.generic_visit(node)

    def visit_Subscript(self, node: ast.Subscript) -> None:
        name = self._dotted(node.value)
        if isinstance(node.ctx, (ast.Store, ast.Del)) and name in (
            "sys.modules",
            "builtins.__dict__",
        ):
            self.flag(node, "flag_patching", f"{name}[...]")
        self.generic_visit(node)

    def _patched_roots(self) -> set[str]:
        roots = set(PATCHED_ROOTS)
        roots.update(
            local for local, full in self.aliases.items() if full.split(".")[0] in PATCHED_ROOTS
        )
        return roots

    def _dotted(self, node: ast.AST) -> str | None:
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        head = self.aliases.get(node.id, node.id)
        return ".".join([head, *reversed(parts)])
