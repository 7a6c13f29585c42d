"""Config scopes: functions (or cell text) whose local variables become config entries."""

from __future__ import annotations

import ast
import inspect
import linecache
import textwrap
from collections.abc import Callable, Mapping
from typing import Any

from ._paths import recursive_fill_in
from ._values import normalize_value
from .docs import find_variable_docs
from .errors import ConfigScopeError
from .fixed import make_fixed
from .summary import ConfigSummary


class ConfigScope:
    """A config scope, built from a function or from source text.

    Calling it executes the body with a tracking locals dict, so every local
    variable (functions, modules and `_`-prefixed names included) becomes a
    config entry, and a body docstring becomes the "__doc__" entry.
    """

    # For cell text: the names its top-level assignments bind. Only these become
    # entries, so imports, function definitions and loop variables do not.
    _entry_names: frozenset[str] | None = None

    def __init__(self, func: Callable[..., Any]):
        self.name = getattr(func, "__name__", "config scope")
        self.args = _scope_parameters(func, self.name)
        self.__doc__ = func.__doc__
        self._globals: Mapping[str, Any] = func.__globals__

        filename = inspect.getsourcefile(func) or inspect.getfile(func)
        try:
            source_lines, first_line = inspect.getsourcelines(func)
        except (OSError, TypeError) as error:
            raise ConfigScopeError(self.name, f"its source code is not available ({error})") from error

        body_source, body_offset = _function_body(source_lines, self.name, filename)
        line_offset = first_line - 1 + body_offset
        body = _parse(body_source, filename, self.name, line_offset)
        self._compile(body, body_source, filename, line_offset)

    @classmethod
    def from_source(
        cls,
        code: str,
        name: str = "config cell",
        namespace: Mapping[str, Any] | None = None,
    ) -> ConfigScope:
        """Build a config scope from source text such as a `%%config` cell.

        Its top-level assignments are the config; names bound otherwise
        (imports, `def`, `class`, loop variables) are not. `namespace` gives the
        globals the code can read, for example the notebook's `user_ns`.
        It is read at each evaluation, so later changes to it are seen, and
        its names do not become config entries.

        As in a Sacred config scope, a function defined in the code sees the
        names of `namespace` but not the config entries, so it must take the
        entries it needs as arguments.
        """
        scope = cls.__new__(cls)
        scope.name = name
        scope.args = []
        scope._entry_names = None
        scope._globals = namespace if namespace is not None else {}
        code = textwrap.dedent(code)
        filename = f"<{name}>"
        module = _parse(code, filename, name, line_offset=0)
        scope.__doc__ = ast.get_docstring(module, clean=False)
        scope._entry_names = top_level_assigned_names(module)
        scope._compile(module, code, filename, line_offset=0)
        # Register the text so tracebacks from the scope show its lines; an
        # mtime of None keeps linecache.checkcache from dropping the entry.
        linecache.cache[filename] = (len(code), None, code.splitlines(keepends=True), filename)
        return scope

    def _compile(self, body: ast.Module, source: str, filename: str, line_offset: int) -> None:
        _reject_return_and_yield(body, self.name, line_offset)
        self.docs = find_variable_docs(body, source.splitlines())
        if line_offset:
            ast.increment_lineno(body, line_offset)
        try:
            self._code = compile(body, filename, "exec")
        except SyntaxError as error:
            raise ConfigScopeError(self.name, error.msg, error.lineno) from error

    def __call__(
        self,
        fixed: Mapping[str, Any] | None = None,
        preset: Mapping[str, Any] | None = None,
    ) -> tuple[dict[str, Any], ConfigSummary]:
        """Evaluate the scope and return its config entries and their summary.

        Entries in `fixed` cannot be overwritten by the scope's assignments.
        `preset` contains the entries of earlier scopes. Parameters read them,
        and the entries the scope does not set are filled into the result.
        """
        preset = dict(preset or {})
        scope_locals = make_fixed(dict(fixed or {}))
        for arg in self.args:
            if arg not in preset:
                raise ConfigScopeError(
                    self.name,
                    f"parameter {arg!r} is not an entry of an earlier config scope "
                    f"(available: {sorted(preset)})",
                )
            scope_locals[arg] = preset[arg]

        exec(self._code, dict(self._globals), scope_locals)  # noqa: S102 - running user config code is the point

        if self._entry_names is not None:
            keep = self._entry_names | set(fixed or {})
            for key in [key for key in scope_locals if key not in keep and not key.startswith("__")]:
                del scope_locals[key]
        added = scope_locals.reveal()
        summary = ConfigSummary(
            added, scope_locals.modified, scope_locals.typechanges, docs=self.docs
        )
        recursive_fill_in(scope_locals, preset)
        # normalize_value also turns FixedDict and FixedList back into dict and list.
        config = {key: normalize_value(value, key) for key, value in scope_locals.items()}
        return config, summary

    def __repr__(self) -> str:
        return f"<ConfigScope {self.name}>"


def _function_body(source_lines: list[str], name: str, filename: str) -> tuple[str, int]:
    """Return the body of a function's source, dedented, and its line offset in the source.

    The body starts with the comment lines just above its first statement, so
    that statement's doc comment is found. Like Sacred, the body's own
    indentation is removed from every line, docstring lines included, so a
    multi-line docstring reads the same as the text in the source.
    """
    source = textwrap.dedent("".join(source_lines))
    lines = source.splitlines(keepends=True)
    module = _parse(source, filename, name, line_offset=0)
    function_node = module.body[0] if module.body else None
    if not isinstance(function_node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        raise ConfigScopeError(name, "a config scope must be a function defined with 'def'")

    first_statement = function_node.body[0]
    start = first_statement.lineno - 1
    if lines[start][: first_statement.col_offset].strip():
        # The body shares its line with the header, as in "def cfg(): a = 1".
        lines[start] = " " * first_statement.col_offset + lines[start][first_statement.col_offset :]
    else:
        while start - 1 >= function_node.lineno and _is_blank_or_comment(lines[start - 1]):
            start -= 1

    body_lines = lines[start:]
    indent = next(
        (line[: len(line) - len(line.lstrip())] for line in body_lines if not _is_blank_or_comment(line)),
        "",
    )
    return "".join(_remove_indent(line, indent) for line in body_lines), start


def _is_blank_or_comment(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _remove_indent(line: str, indent: str) -> str:
    """Remove the part of `indent` that `line` starts with (all of it, or up to the first mismatch)."""
    matched = 0
    for line_char, indent_char in zip(line, indent):
        if line_char != indent_char:
            break
        matched += 1
    return line[matched:]


def _scope_parameters(func: Callable[..., Any], name: str) -> list[str]:
    parameters = inspect.signature(func).parameters.values()
    names = []
    for parameter in parameters:
        if parameter.kind is parameter.VAR_POSITIONAL:
            raise ConfigScopeError(name, f"*{parameter.name} is not allowed in a config scope")
        if parameter.kind is parameter.VAR_KEYWORD:
            raise ConfigScopeError(name, f"**{parameter.name} is not allowed in a config scope")
        if parameter.default is not parameter.empty:
            raise ConfigScopeError(
                name, f"parameter {parameter.name!r} has a default value, which a config scope cannot use"
            )
        names.append(parameter.name)
    return names


def _parse(source: str, filename: str, name: str, line_offset: int) -> ast.Module:
    try:
        return ast.parse(source, filename)
    except SyntaxError as error:
        lineno = error.lineno + line_offset if error.lineno is not None else None
        raise ConfigScopeError(name, f"invalid syntax: {error.msg}", lineno) from error
    except ValueError as error:  # source containing null bytes
        raise ConfigScopeError(name, str(error)) from error


class _ReturnFinder(ast.NodeVisitor):
    """Visitor that finds the first return, yield or await outside nested functions and classes."""

    def __init__(self) -> None:
        self.found: ast.AST | None = None

    def visit_FunctionDef(self, node: ast.AST) -> None:
        pass

    visit_AsyncFunctionDef = visit_FunctionDef
    visit_Lambda = visit_FunctionDef
    visit_ClassDef = visit_FunctionDef

    def generic_visit(self, node: ast.AST) -> None:
        if self.found is None and isinstance(node, (ast.Return, ast.Yield, ast.YieldFrom, ast.Await)):
            self.found = node
            return
        super().generic_visit(node)


def _reject_return_and_yield(body: ast.Module, name: str, line_offset: int) -> None:
    finder = _ReturnFinder()
    finder.visit(body)
    if finder.found is None:
        return
    statement = {ast.Return: "return", ast.Yield: "yield", ast.YieldFrom: "yield from"}.get(
        type(finder.found), "await"
    )
    raise ConfigScopeError(
        name,
        f"'{statement}' is not allowed in a config scope; assign the value to a variable instead",
        finder.found.lineno + line_offset,
    )


def top_level_assigned_names(module: ast.Module) -> frozenset[str]:
    """Return the names bound by the module's top-level assignment statements."""
    names: set[str] = set()
    for node in module.body:
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        else:
            continue
        for target in targets:
            names.update(item.id for item in ast.walk(target) if isinstance(item, ast.Name))
    return frozenset(names)
