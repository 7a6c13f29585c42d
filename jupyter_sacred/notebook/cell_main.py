"""Turning the body of an ``%%experiment`` cell into a run's main function."""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any, Callable

from jupyter_sacred.run import register_engine_file

if TYPE_CHECKING:
    from IPython.core.interactiveshell import InteractiveShell

    from jupyter_sacred.run import Run

register_engine_file(__file__)


def names_read(code: str) -> set[str]:
    """Return the names a cell reads, used to tell which config entries it uses."""
    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load)}


def compile_cell(shell: "InteractiveShell", cell: str) -> tuple[Any, Any, str]:
    """Compile a cell as IPython would: return (body code, last expression code or None, python source).

    IPython syntax (``!ls``, ``%time``) is transformed first. The source is
    registered with IPython's compiler so tracebacks show the cell's lines.
    """
    source = shell.transform_cell(cell)
    # IPython has already counted the running cell, so its number is one less.
    filename = shell.compile.cache(source, max(shell.execution_count - 1, 0), raw_code=cell)
    tree = ast.parse(source, filename=filename)
    last_expression = None
    if tree.body and isinstance(tree.body[-1], ast.Expr):
        last_expression = ast.Expression(tree.body.pop().value)
    body = compile(ast.Module(body=tree.body, type_ignores=[]), filename, "exec")
    expression = compile(last_expression, filename, "eval") if last_expression is not None else None
    return body, expression, source


def cell_main(shell: "InteractiveShell", body: Any, expression: Any) -> Callable[["Run"], Any]:
    """Return a main function that runs the compiled cell in the user namespace.

    The top-level config entries, ``_run`` and ``_config`` are set as names
    first, so the cell reads them like variables; they stay defined after
    the cell, as any cell's variables do.
    """

    def main(run: "Run") -> Any:
        __tracebackhide__ = True  # noqa: F841  (IPython hides this frame from tracebacks)
        namespace = shell.user_ns
        namespace.update({key: value for key, value in run.config.items() if not key.startswith("__")})
        namespace["_run"] = run
        namespace["_config"] = run.config
        exec(body, namespace)
        if expression is not None:
            return eval(expression, namespace)
        return None

    return main
