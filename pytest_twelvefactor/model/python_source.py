"""Facts about Python source, extracted with ``ast`` in one pass per file.

The audited code is never imported or executed. Each module is parsed once,
reduced to small fact records (imports, calls with their keyword names,
string literals, classes, functions, decorators, environment reads), and the
tree is dropped, so memory stays proportional to the facts, not the code.
Literal values are kept for the evaluators' judgement only; evidence names
variables and lines, never the values.
"""

from __future__ import annotations

import ast
import posixpath
import re
import warnings
from dataclasses import dataclass, field

from .discovery import Diagnostic, FileIndex

MAX_STRING = 400


@dataclass(frozen=True)
class Call:
    name: str                     # dotted target with imports resolved, e.g. "requests.get", "app.get"
    line: int
    args: tuple                   # literal values (str/int/float/bool/None) or dotted names (str) or None
    kwargs: dict                  # keyword -> literal value / dotted name / None (non-literal)
    decorator: bool = False

    def endswith(self, *suffixes: str) -> bool:
        name = self.name
        for s in suffixes:  # name == s, or name ends with "." + s (without building that string)
            if name.endswith(s) and (len(name) == len(s) or name[-len(s) - 1] == "."):
                return True
        return False

    def arg(self, position: int, keyword: str | None = None):
        if keyword and keyword in self.kwargs:
            return self.kwargs[keyword]
        return self.args[position] if len(self.args) > position else None


@dataclass(frozen=True)
class ClassDef:
    name: str
    bases: tuple[str, ...]
    line: int
    fields: tuple[tuple[str, object, int], ...]   # (name, literal default or None, line)


@dataclass(frozen=True)
class FunctionDef:
    name: str
    line: int
    is_async: bool
    decorators: tuple[str, ...]


@dataclass(frozen=True)
class Assignment:
    target: str
    value: object          # literal value, or None when not a literal
    line: int
    call: str | None = None  # the callee when the value is a call, e.g. "requests.Session"


@dataclass(frozen=True)
class EnvRead:
    variable: str | None   # the environment variable's name when literal
    line: int
    has_default: bool


@dataclass
class PythonModule:
    path: str
    imports: list[tuple[str, int]] = field(default_factory=list)
    from_imports: list[tuple[str, int]] = field(default_factory=list)  # `from x import y` → ("x.y", line)
    calls: list[Call] = field(default_factory=list)
    strings: list[tuple[str, int]] = field(default_factory=list)
    classes: list[ClassDef] = field(default_factory=list)
    functions: list[FunctionDef] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    env_reads: list[EnvRead] = field(default_factory=list)
    infinite_loops: list[int] = field(default_factory=list)
    comments: list[tuple[int, str]] = field(default_factory=list)
    main_block: tuple[int, int] | None = None   # first and last line of a module-level `if __name__ == "__main__":`
    module_state: list[tuple[str, int]] = field(default_factory=list)        # module-level names bound to a mutable container
    state_writes: list[tuple[str, str, int]] = field(default_factory=list)   # (function, module-level name, line) changed in place
    cookie_state: list[tuple[str, int]] = field(default_factory=list)        # (module-level container, line) keyed by a request cookie

    @property
    def is_test(self) -> bool:
        return is_test_path(self.path)

    @property
    def directory(self) -> str:
        return posixpath.dirname(self.path)

    def imported(self, *modules: str) -> list[tuple[str, int]]:
        return [(m, l) for m, l in self.imports if any(m == x or m.startswith(x + ".") for x in modules)]

    def calls_to(self, *suffixes: str) -> list[Call]:
        return [c for c in self.calls if c.endswith(*suffixes)]


def is_test_path(path: str) -> bool:
    parts = path.split("/")
    name = parts[-1]
    return (
        any(p in ("tests", "test", "testing", "e2e", "fixtures", "examples", "docs") for p in parts[:-1])
        or name.startswith("test_") or name.endswith("_test.py") or name == "conftest.py"
        or bool(re.search(r"(_test\.go|\.(test|spec)\.[cm]?[jt]sx?)$", name))  # Go and JS/TS test files
    )


def _dotted(node: ast.AST, aliases: dict[str, str]) -> str | None:
    parts = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            parts.append(aliases.get(node.id, node.id))
            break
        elif isinstance(node, ast.Call):
            inner = _dotted(node.func, aliases)
            if inner is None:
                return None
            parts.append(inner + "()")
            break
        else:
            return None
    return ".".join(reversed(parts))


def _literal(node: ast.AST, aliases: dict[str, str]):
    if isinstance(node, ast.Constant):
        value = node.value
        if isinstance(value, str):
            return value[:MAX_STRING]
        if isinstance(value, (int, float, bool)) or value is None:
            return value
        return None
    if isinstance(node, (ast.Name, ast.Attribute)):
        name = _dotted(node, aliases)
        return f"<{name}>" if name else None
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)[:MAX_STRING]
    return None


_ENV_GETTERS = ("os.getenv", "os.environ.get", "os.environ.setdefault", "environ.get", "os.environ.pop")


class _Extractor(ast.NodeVisitor):
    def __init__(self, module: PythonModule):
        self.m = module
        self.aliases: dict[str, str] = {}

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.m.imports.append((alias.name, node.lineno))
            self.aliases[alias.asname or alias.name.split(".")[0]] = alias.name if alias.asname else alias.name.split(".")[0]

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        base = ("." * node.level) + (node.module or "")
        self.m.imports.append((base, node.lineno))
        for alias in node.names:
            if alias.name != "*":
                self.aliases[alias.asname or alias.name] = f"{base}.{alias.name}" if base else alias.name
                self.m.from_imports.append((base + alias.name if base.endswith(".") else f"{base}.{alias.name}", node.lineno))

    def visit_Call(self, node: ast.Call) -> None:
        self._record_call(node, decorator=False)
        self.generic_visit(node)

    def _record_call(self, node: ast.Call, decorator: bool) -> None:
        name = _dotted(node.func, self.aliases) or "?"
        args = tuple(_literal(a, self.aliases) for a in node.args)
        kwargs = {kw.arg or "**": _literal(kw.value, self.aliases) for kw in node.keywords}
        call = Call(name, node.lineno, args, kwargs, decorator)
        self.m.calls.append(call)
        if call.endswith(*_ENV_GETTERS) or name in ("env", "environ.Env()", "config", "decouple.config"):
            var = args[0] if args and isinstance(args[0], str) and not args[0].startswith("<") else None
            self.m.env_reads.append(EnvRead(var, node.lineno, len(args) > 1 or "default" in kwargs))

    def visit_Subscript(self, node: ast.Subscript) -> None:
        target = _dotted(node.value, self.aliases)
        if target in ("os.environ", "environ"):
            key = node.slice
            var = key.value if isinstance(key, ast.Constant) and isinstance(key.value, str) else None
            self.m.env_reads.append(EnvRead(var, node.lineno, False))
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, str) and node.value:
            self.m.strings.append((node.value[:MAX_STRING], node.lineno))

    def _decorators(self, node) -> tuple[str, ...]:
        names = []
        for dec in node.decorator_list:
            if isinstance(dec, ast.Call):
                self._record_call(dec, decorator=True)
                names.append((_dotted(dec.func, self.aliases) or "?") + "()")
            else:
                names.append(_dotted(dec, self.aliases) or "?")
        return tuple(names)

    def visit_FunctionDef(self, node) -> None:
        decorators = self._decorators(node)
        self.m.functions.append(FunctionDef(node.name, node.lineno, isinstance(node, ast.AsyncFunctionDef), decorators))
        for dec in node.decorator_list:  # decorator calls were recorded; visit their arguments only
            if isinstance(dec, ast.Call):
                for sub in list(dec.args) + [k.value for k in dec.keywords]:
                    self.visit(sub)
        for child in node.body:
            self.visit(child)
        for default in node.args.defaults + [d for d in node.args.kw_defaults if d is not None]:
            self.visit(default)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        self._decorators(node)
        bases = tuple(_dotted(b, self.aliases) or "?" for b in node.bases)
        fields = []
        for stmt in node.body:
            if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                value = _literal(stmt.value, self.aliases) if stmt.value is not None else None
                fields.append((stmt.target.id, value, stmt.lineno))
            elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name):
                fields.append((stmt.targets[0].id, _literal(stmt.value, self.aliases), stmt.lineno))
        self.m.classes.append(ClassDef(node.name, bases, node.lineno, tuple(fields)))
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        value = _literal(node.value, self.aliases)
        callee = _dotted(node.value.func, self.aliases) if isinstance(node.value, ast.Call) else None
        for target in node.targets:
            name = _dotted(target, self.aliases)
            if name:
                self.m.assignments.append(Assignment(name, value, node.lineno, callee))
        self.generic_visit(node)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        if node.value is not None:
            name = _dotted(node.target, self.aliases)
            if name:
                callee = _dotted(node.value.func, self.aliases) if isinstance(node.value, ast.Call) else None
                self.m.assignments.append(Assignment(name, _literal(node.value, self.aliases), node.lineno, callee))
        self.generic_visit(node)

    def visit_While(self, node: ast.While) -> None:
        if isinstance(node.test, ast.Constant) and node.test.value is True:
            self.m.infinite_loops.append(node.lineno)
        self.generic_visit(node)


_COMMENT = re.compile(r"#\s*(twelvefactor:.*)$")
_CONTAINER_CALLS = ("dict", "list", "set", "collections.defaultdict", "collections.OrderedDict", "collections.Counter", "collections.deque")
_MUTATORS = frozenset({"append", "appendleft", "extend", "extendleft", "insert", "add", "update", "setdefault", "pop",
                       "popitem", "popleft", "clear", "remove", "discard"})


def _is_main_guard(node: ast.AST) -> bool:
    if not (isinstance(node, ast.If) and isinstance(node.test, ast.Compare) and len(node.test.ops) == 1
            and isinstance(node.test.ops[0], ast.Eq)):
        return False
    sides = [node.test.left, node.test.comparators[0]]
    return any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides) and \
        any(isinstance(s, ast.Constant) and s.value == "__main__" for s in sides)


def _own_nodes(func: ast.AST):
    """The nodes of a function body, not descending into nested functions, lambdas or classes."""
    stack = list(ast.iter_child_nodes(func))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            stack.extend(ast.iter_child_nodes(node))


def _module_state(tree: ast.Module, module: PythonModule, aliases: dict[str, str]) -> None:
    """The `__main__` block, module-level mutable containers and the functions that change them in place."""
    for node in tree.body:
        if _is_main_guard(node) and module.main_block is None:
            module.main_block = (node.lineno, getattr(node, "end_lineno", None) or node.lineno)
        targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, ast.AnnAssign) and node.value else []
        value = getattr(node, "value", None)
        container = isinstance(value, (ast.Dict, ast.List, ast.Set)) or (
            isinstance(value, ast.Call) and (_dotted(value.func, aliases) or "") in _CONTAINER_CALLS)
        if container:
            module.module_state.extend((t.id, node.lineno) for t in targets if isinstance(t, ast.Name))
    names = {name for name, _ in module.module_state}
    if not names:
        return
    for func in ast.walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        nodes = list(_own_nodes(func))
        declared = {n for node in nodes if isinstance(node, ast.Global) for n in node.names}
        local = {a.arg for a in func.args.args + func.args.kwonlyargs + func.args.posonlyargs}
        local |= {node.id for node in nodes if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store)} - declared
        for node in nodes:
            target = None
            if isinstance(node, ast.Subscript) and isinstance(node.ctx, (ast.Store, ast.Del)) and isinstance(node.value, ast.Name):
                target = node.value.id
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _MUTATORS \
                    and isinstance(node.func.value, ast.Name):
                target = node.func.value.id
            if target in names and target not in local:
                module.state_writes.append((func.name, target, node.lineno))
    module.state_writes.sort(key=lambda write: (write[2], write[0], write[1]))


def _reads_cookie(node: ast.AST) -> bool:
    """The expression reads a request cookie: ``request.cookies…``, Django's ``request.COOKIES``, FastAPI ``Cookie()``."""
    return any((isinstance(n, ast.Attribute) and n.attr in ("cookies", "COOKIES"))
               or (isinstance(n, ast.Call) and (_dotted(n.func, {}) or "").rsplit(".", 1)[-1] == "Cookie") for n in ast.walk(node))


def _cookie_state(tree: ast.Module, module: PythonModule) -> None:
    """Module-level containers indexed by a value read from a request cookie (``CARTS[cart_id]``,
    ``SESSIONS.get(request.cookies["sid"])``): per-client state in process memory, a hand-rolled session."""
    names = {name for name, _ in module.module_state}
    if not names:
        return
    found = set()
    for func in ast.walk(tree):
        if not isinstance(func, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        nodes = list(_own_nodes(func))
        positional = func.args.posonlyargs + func.args.args
        args = positional + func.args.kwonlyargs
        defaults = [None] * (len(positional) - len(func.args.defaults)) + func.args.defaults + func.args.kw_defaults
        declared = {n for node in nodes if isinstance(node, ast.Global) for n in node.names}
        local = {a.arg for a in args} | ({n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)} - declared)
        keys = {a.arg for a, d in zip(args, defaults)  # FastAPI: cart: str = Cookie(None) / Annotated[str, Cookie()]
                if any(x is not None and _reads_cookie(x) for x in (d, a.annotation))}
        for node in nodes:
            if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None and _reads_cookie(node.value):
                targets = node.targets if isinstance(node, ast.Assign) else [node.target]
                keys |= {t.id for t in targets if isinstance(t, ast.Name)}
        for node in nodes:
            if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name):
                name, key = node.value.id, node.slice
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name) \
                    and node.func.attr in ("get", "setdefault", "pop") and node.args:
                name, key = node.func.value.id, node.args[0]
            else:
                continue
            if name in names and name not in local and (_reads_cookie(key) or any(isinstance(n, ast.Name) and n.id in keys for n in ast.walk(key))):
                found.add((name, node.lineno))
    module.cookie_state = sorted(found, key=lambda item: (item[1], item[0]))


def extract(path: str, text: str) -> PythonModule:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        tree = ast.parse(text, filename=path)
    module = PythonModule(path)
    extractor = _Extractor(module)
    extractor.visit(tree)
    _module_state(tree, module, extractor.aliases)
    _cookie_state(tree, module)
    if "twelvefactor:" in text:
        for number, line in enumerate(text.split("\n"), start=1):
            match = _COMMENT.search(line)
            if match:
                module.comments.append((number, match.group(1)))
    return module


class PythonModel:
    def __init__(self, index: FileIndex, diagnostics: list[Diagnostic]):
        self.modules: list[PythonModule] = []
        for path in index.of("python"):
            if path.endswith(".pyi"):
                continue
            text = index.read(path, diagnostics)
            if text is None:
                continue
            try:
                self.modules.append(extract(path, text))
            except SyntaxError as exc:
                diagnostics.append(Diagnostic(path, f"Python syntax error at line {exc.lineno}: {exc.msg}; not analysed"))
            except (RecursionError, MemoryError, ValueError):
                diagnostics.append(Diagnostic(path, "Python source too deeply nested or invalid; not analysed"))

    def app_modules(self) -> list[PythonModule]:
        """Modules that are application code (tests, docs and examples excluded)."""
        cached = self.__dict__.get("_app_modules")
        if cached is None or cached[0] != len(self.modules):  # asked by dozens of evaluators
            cached = (len(self.modules), [m for m in self.modules if not m.is_test])
            self.__dict__["_app_modules"] = cached
        return list(cached[1])

    def _calls_by_name(self) -> dict[str, list[tuple[int, int, PythonModule, Call]]]:
        """Every call by the last segment of its dotted name, in module and source order."""
        cached = self.__dict__.get("_calls_index")
        if cached is None or cached[0] != len(self.modules):
            index: dict[str, list] = {}
            for m, module in enumerate(self.modules):
                for c, call in enumerate(module.calls):
                    index.setdefault(call.name.rsplit(".", 1)[-1], []).append((m, c, module, call))
            cached = (len(self.modules), index)
            self.__dict__["_calls_index"] = cached
        return cached[1]

    def imports(self, *modules: str, include_tests: bool = False) -> list[tuple[PythonModule, str, int]]:
        # An import of x or x.* starts with x's first segment: look only at those, in the
        # order a scan of every module gives.
        cached = self.__dict__.get("_imports_index")
        if cached is None or cached[0] != len(self.modules):
            index: dict[str, list] = {}
            for m, module in enumerate(self.modules):
                for i, (name, line) in enumerate(module.imports):
                    index.setdefault(name.split(".", 1)[0], []).append((m, i, module, name, line))
            cached = (len(self.modules), index)
            self.__dict__["_imports_index"] = cached
        found = [e for first in {x.split(".", 1)[0] for x in modules} for e in cached[1].get(first, ())]
        found.sort(key=lambda e: (e[0], e[1]))
        return [(module, name, line) for _m, _i, module, name, line in found
                if (include_tests or not module.is_test) and any(name == x or name.startswith(x + ".") for x in modules)]

    def calls(self, *suffixes: str, include_tests: bool = False) -> list[tuple[PythonModule, Call]]:
        # A call matching a suffix ends with the suffix's last segment: look only at those
        # (the same answer as scanning every call of every module, in the same order).
        index = self._calls_by_name()
        found = [entry for last in {s.rsplit(".", 1)[-1] for s in suffixes} for entry in index.get(last, ())]
        found.sort(key=lambda entry: (entry[0], entry[1]))
        return [(module, call) for _m, _c, module, call in found
                if (include_tests or not module.is_test) and call.endswith(*suffixes)]
