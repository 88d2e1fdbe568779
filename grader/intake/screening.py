"""Static screening: read the learner's code (ast; nothing runs) and flag what deserves a look.

Two kinds of flag, each naming file and line:

- `tamper`: a way to reach the grader's machinery that runs beside learner code, or to get
  around it, that CPython does not announce to the worker's tamper tripwire (tamper.py):
  dynamic attribute access, interpreter internals (`__globals__`, `sys.modules`, frames),
  PyTorch's dispatch internals, native code, patching shared modules. Exercise code never
  needs any of it; a submission with such a flag earns nothing from the checks that rely on
  measurements made beside its code (results.py), and an instructor should look.
- `warning`: worth an instructor's look (processes, network, exiting), never a score change.
"""

from __future__ import annotations

import ast
from pathlib import Path

from grader.messages import say
from grader.records import Finding

TAMPER, LOOK = "tamper", "warning"

# Imports, by their first part: (severity, message key).
MODULES = {
    "grader": (TAMPER, "flag_grader"),
    "pytest": (TAMPER, "flag_test_machinery"),
    "_pytest": (TAMPER, "flag_test_machinery"),
    "pluggy": (TAMPER, "flag_test_machinery"),
    "pytest_jsonreport": (TAMPER, "flag_test_machinery"),
    "gc": (TAMPER, "flag_introspection"),
    "pdb": (TAMPER, "flag_introspection"),
    "bdb": (TAMPER, "flag_introspection"),
    "trace": (TAMPER, "flag_introspection"),
    "ctypes": (TAMPER, "flag_native"),
    "_ctypes": (TAMPER, "flag_native"),
    "cffi": (TAMPER, "flag_native"),
    "mmap": (TAMPER, "flag_native"),
    "importlib": (TAMPER, "flag_import_machinery"),
    "runpy": (TAMPER, "flag_import_machinery"),
    "imp": (TAMPER, "flag_import_machinery"),
    "zipimport": (TAMPER, "flag_import_machinery"),
    "pkgutil": (TAMPER, "flag_import_machinery"),
    "code": (TAMPER, "flag_dynamic_code"),
    "codeop": (TAMPER, "flag_dynamic_code"),
    "marshal": (TAMPER, "flag_dynamic_code"),
    "pickle": (TAMPER, "flag_dynamic_code"),
    "copyreg": (TAMPER, "flag_dynamic_code"),
    "dill": (TAMPER, "flag_dynamic_code"),
    "builtins": (TAMPER, "flag_patching"),
    "subprocess": (LOOK, "flag_processes"),
    "multiprocessing": (LOOK, "flag_processes"),
    "pty": (LOOK, "flag_processes"),
    "signal": (LOOK, "flag_processes"),
    "atexit": (LOOK, "flag_atexit"),
    "socket": (LOOK, "flag_network"),
    "ssl": (LOOK, "flag_network"),
    "urllib": (LOOK, "flag_network"),
    "http": (LOOK, "flag_network"),
    "requests": (LOOK, "flag_network"),
}
# Names, called or merely touched (dotted, import aliases resolved).
NAMES = {
    "exec": (TAMPER, "flag_dynamic_code"),
    "eval": (TAMPER, "flag_dynamic_code"),
    "compile": (TAMPER, "flag_dynamic_code"),
    "__import__": (TAMPER, "flag_import_machinery"),
    "globals": (TAMPER, "flag_introspection"),
    "vars": (TAMPER, "flag_introspection"),
    "breakpoint": (TAMPER, "flag_introspection"),
    "sys.modules": (TAMPER, "flag_import_machinery"),
    "sys.meta_path": (TAMPER, "flag_import_machinery"),
    "sys.path_hooks": (TAMPER, "flag_import_machinery"),
    "sys.path_importer_cache": (TAMPER, "flag_import_machinery"),
    # inspect and traceback themselves are fine (signature, format_exc): these hand out frames.
    "inspect.currentframe": (TAMPER, "flag_introspection"),
    "inspect.stack": (TAMPER, "flag_introspection"),
    "inspect.trace": (TAMPER, "flag_introspection"),
    "inspect.getouterframes": (TAMPER, "flag_introspection"),
    "inspect.getinnerframes": (TAMPER, "flag_introspection"),
    "inspect.getmembers": (TAMPER, "flag_introspection"),
    "inspect.getclosurevars": (TAMPER, "flag_introspection"),
    "traceback.walk_stack": (TAMPER, "flag_introspection"),
    "traceback.walk_tb": (TAMPER, "flag_introspection"),
    "logging.currentframe": (TAMPER, "flag_introspection"),
    "threading.settrace": (TAMPER, "flag_introspection"),
    "threading.setprofile": (TAMPER, "flag_introspection"),
    "sys._getframe": (TAMPER, "flag_introspection"),
    "sys._current_frames": (TAMPER, "flag_introspection"),
    "sys.exc_info": (TAMPER, "flag_introspection"),
    "sys.exception": (TAMPER, "flag_introspection"),
    "sys.settrace": (TAMPER, "flag_introspection"),
    "sys.setprofile": (TAMPER, "flag_introspection"),
    "sys.addaudithook": (TAMPER, "flag_introspection"),
    "sys.monitoring": (TAMPER, "flag_introspection"),
    "types.FunctionType": (TAMPER, "flag_dynamic_code"),
    "types.CodeType": (TAMPER, "flag_dynamic_code"),
    "types.FrameType": (TAMPER, "flag_introspection"),
    "types.ModuleType": (TAMPER, "flag_import_machinery"),
    "torch.overrides": (TAMPER, "flag_guard"),
    "torch.library": (TAMPER, "flag_guard"),
    "torch.ops": (TAMPER, "flag_guard"),
    "numpy.ctypeslib": (TAMPER, "flag_native"),
    "torch._C.DisableTorchFunction": (TAMPER, "flag_guard"),
    "torch._C.DisableTorchFunctionSubclass": (TAMPER, "flag_guard"),
    "torch._C._disabled_torch_function_impl": (TAMPER, "flag_guard"),
    "operator.attrgetter": (TAMPER, "flag_dynamic_access"),
    "operator.methodcaller": (TAMPER, "flag_dynamic_access"),
    "os.system": (LOOK, "flag_processes"),
    "os.popen": (LOOK, "flag_processes"),
    "os.fork": (LOOK, "flag_processes"),
    "os.kill": (LOOK, "flag_processes"),
    "os.killpg": (LOOK, "flag_processes"),
    "os.setsid": (LOOK, "flag_processes"),
    "os._exit": (LOOK, "flag_exit"),
    "os.dup": (TAMPER, "flag_descriptors"),
    "os.dup2": (TAMPER, "flag_descriptors"),
    "os.close": (TAMPER, "flag_descriptors"),
    "os.write": (TAMPER, "flag_descriptors"),
    "os.fdopen": (TAMPER, "flag_descriptors"),
}
# Dunder attributes that are plain language, not a way into the interpreter.
PLAIN_DUNDERS = {
    "__name__", "__qualname__", "__doc__", "__class__", "__module__", "__version__", "__file__",
    "__init__", "__call__", "__len__", "__getitem__", "__setitem__", "__iter__", "__next__",
    "__repr__", "__str__", "__eq__", "__hash__", "__enter__", "__exit__", "__all__",
    "__contains__", "__add__", "__mul__", "__matmul__", "__neg__", "__post_init__",
}  # fmt: skip
# Frame and code internals without dunders.
INTERNALS = {
    "f_back", "f_globals", "f_locals", "f_code", "f_builtins", "f_trace", "tb_frame",
    "tb_next", "gi_frame", "gi_code", "cr_frame", "cr_code", "ag_frame", "ag_code",
    "co_code", "co_filename", "co_consts", "co_names", "co_varnames", "co_name",
    "co_qualname", "cell_contents",
}  # fmt: skip
NAMEDTUPLE_API = {"_fields", "_asdict", "_replace", "_make", "_field_defaults"}
# An object's own attribute machinery: fine on the learner's own object (`self.__dict__`,
# `super().__setattr__`), a way into anything else's.
OWN_DUNDERS = {
    "__dict__",
    "__setattr__",
    "__getattr__",
    "__getattribute__",
    "__delattr__",
    "__slots__",
}
OWN_RECEIVERS = {"self", "cls"}
# PyTorch's private namespaces that hold its dispatch machinery (modes, kernels, tracing): a
# private name elsewhere in torch is only worth a look (the kernel guard sees computations).
TORCH_MACHINERY = {
    "_C", "_dynamo", "_subclasses", "_ops", "_guards", "_functorch", "_higher_order_ops",
    "_library", "_python_dispatch", "_prims", "_decomp", "_inductor", "_export", "_jit_internal",
    "_tensor", "_utils_internal", "_mode_stack",
}  # fmt: skip
MODULE_ROOTS = {"torch", "numpy", "sys", "os", "builtins", "math", "random", "functools"}
REFLECTION = {"getattr", "setattr", "delattr"}  # hasattr can only look


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
        self.modules: set[str] = set(MODULE_ROOTS)  # local names bound to modules
        self.called: set[int] = set()  # ids of the Name nodes that are called directly

    def flags_of(self, tree: ast.AST) -> list[Finding]:
        self.visit(tree)
        return self.flags

    def flag(self, node: ast.AST, rule: tuple[str, str], what: str) -> None:
        severity, key = rule
        line = getattr(node, "lineno", None)
        if not any(f.line == line and f.code == key for f in self.flags):
            self.flags.append(Finding(severity, key, say(key, what=what), self.file, line))

    # ------------------------------------------------------------ imports

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            local = alias.asname or alias.name.split(".")[0]
            self.aliases[local] = alias.name if alias.asname else alias.name.split(".")[0]
            self.modules.add(local)
            self._module(node, alias.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        self._module(node, module)
        for alias in node.names:
            full = f"{module}.{alias.name}"
            self.aliases[alias.asname or alias.name] = full
            if module.split(".")[0] in MODULE_ROOTS:  # `from torch import nn`: a module, or in one
                self.modules.add(alias.asname or alias.name)
            self._dotted_name(node, full)
            if alias.name == "*":
                self.flag(node, (TAMPER, "flag_star_import"), module)

    def _module(self, node: ast.AST, module: str) -> None:
        rule = MODULES.get(module.split(".")[0])
        if rule:
            self.flag(node, rule, module)
        self._dotted_name(node, module)

    # ------------------------------------------------------------ names and attributes

    def visit_Name(self, node: ast.Name) -> None:
        if node.id in REFLECTION and id(node) not in self.called:
            # `g = getattr` then `g(obj, name)`: reflection under another name.
            self.flag(node, (TAMPER, "flag_dynamic_access"), f"{node.id} passed around")
        if node.id.startswith("__") and node.id not in PLAIN_DUNDERS:
            self.flag(node, (TAMPER, "flag_internals"), node.id)
        self._dotted_name(node, self.aliases.get(node.id, node.id))

    def visit_Attribute(self, node: ast.Attribute) -> None:
        name = node.attr
        dunder = name.startswith("__") and name.endswith("__")
        own = name in OWN_DUNDERS and _own(node.value)
        code_internal = name.startswith("co_")  # a code object's parts, whatever the name
        if (dunder and name not in PLAIN_DUNDERS and not own) or name in INTERNALS or code_internal:
            self.flag(node, (TAMPER, "flag_internals"), name)
        elif name.startswith("_") and not dunder and name not in NAMEDTUPLE_API:
            self._private(node)
        dotted = self._dotted(node)
        if dotted:
            self._dotted_name(node, dotted)
            if isinstance(node.ctx, (ast.Store, ast.Del)) and self._on_module(node.value):
                self.flag(node, (TAMPER, "flag_patching"), dotted)
        self.generic_visit(node)

    def _private(self, node: ast.Attribute) -> None:
        """`torch._C` reaches PyTorch's machinery; `self._cache` is the learner's own."""
        if self._on_module(node.value):
            dotted = self._dotted(node) or node.attr
            in_torch = dotted.startswith("torch.")
            machinery = node.attr in TORCH_MACHINERY or not in_torch
            key = "flag_private" if in_torch else "flag_private_module"  # importlib, sys, ...
            self.flag(node, (TAMPER if machinery else LOOK, key), dotted)
        elif not _own(node.value):
            self.flag(node, (LOOK, "flag_private_attribute"), node.attr)

    def _dotted_name(self, node: ast.AST, dotted: str) -> None:
        parts = dotted.split(".")
        for end in range(len(parts), 0, -1):
            rule = NAMES.get(".".join(parts[:end]))
            if rule:
                self.flag(node, rule, dotted)
                return
        if "ctypes" in parts:
            self.flag(node, (TAMPER, "flag_native"), dotted)

    # ------------------------------------------------------------ calls and strings

    def visit_Call(self, node: ast.Call) -> None:
        self.called.add(id(node.func))
        name = self._dotted(node.func)
        if name in REFLECTION and len(node.args) >= 2:
            attribute = node.args[1]
            literal = isinstance(attribute, ast.Constant) and isinstance(attribute.value, str)
            if not literal:
                self.flag(node, (TAMPER, "flag_dynamic_access"), f"{name}(…, <computed name>)")
            elif attribute.value.startswith("_") and attribute.value not in NAMEDTUPLE_API:
                self.flag(node, (TAMPER, "flag_internals"), f"{name}(…, {attribute.value!r})")
            elif name in ("setattr", "delattr") and self._on_module(node.args[0]):
                self.flag(
                    node, (TAMPER, "flag_patching"), f"{name}({self._dotted(node.args[0])}, …)"
                )
        if name == "open" and node.args and _string(node.args[0]).startswith("/proc"):
            self.flag(node, (TAMPER, "flag_introspection"), f"open({_string(node.args[0])!r})")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        text = node.value if isinstance(node.value, str) else ""
        if text.isidentifier() and (
            text in INTERNALS
            or (text.startswith("__") and text not in PLAIN_DUNDERS and text != "__main__")
        ):
            self.flag(node, (TAMPER, "flag_internals"), repr(text))

    # ------------------------------------------------------------ helpers

    def _on_module(self, node: ast.AST) -> bool:
        """Is `node` a module, or an attribute chain rooted at one (torch.nn.functional)?"""
        while isinstance(node, ast.Attribute):
            node = node.value
        return isinstance(node, ast.Name) and node.id in self.modules

    def _dotted(self, node: ast.AST) -> str | None:
        parts = []
        while isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        if not isinstance(node, ast.Name):
            return None
        head = self.aliases.get(node.id, node.id)
        return ".".join([head, *reversed(parts)])


def _own(node: ast.AST) -> bool:
    """`self`, `cls`, `super()` or `type(self)`: the learner's own object or class."""
    if isinstance(node, ast.Name):
        return node.id in OWN_RECEIVERS
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return node.func.id == "super" or (
            node.func.id == "type" and bool(node.args) and _own(node.args[0])
        )
    return False


def _string(node: ast.AST) -> str:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else ""
