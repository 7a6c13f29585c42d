"""Docs of config entries, taken from the comments next to their assignments."""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections.abc import Sequence

SEED_DOC = "the random seed for this experiment"

# Comments that are tool directives rather than documentation.
IGNORED_COMMENTS = (r"^pylint:", r"^noinspection")


def find_variable_docs(module: ast.Module, lines: Sequence[str]) -> dict[str, str]:
    """Map each assigned variable name to its doc comment.

    `lines` are the source lines that the node line numbers of `module` refer
    to. The doc is the first inline comment on the assignment's line, else
    the nearest comment above it with only blank lines in between. Assignments
    one level inside a compound statement (an `if` body, say) count too; the
    first documented assignment of a name wins. "seed" is always documented.
    """
    docs = {"seed": SEED_DOC}
    for statement in module.body:
        for node in [statement, *ast.iter_child_nodes(statement)]:
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    _add_doc(target, docs, lines)
    return docs


def _add_doc(target: ast.AST, docs: dict[str, str], lines: Sequence[str]) -> None:
    if isinstance(target, ast.Name):
        if target.id not in docs:
            doc = _find_doc(target.lineno, lines)
            if doc is not None:
                docs[target.id] = doc
    elif isinstance(target, (ast.Tuple, ast.List)):
        for element in target.elts:
            _add_doc(element, docs, lines)


def _find_doc(lineno: int, lines: Sequence[str]) -> str | None:
    index = lineno - 1
    inline = _inline_comment(lines[index])
    if inline is not None:
        return inline

    for line in reversed(lines[:index]):
        stripped = line.strip()
        if stripped.startswith("#"):
            comment = line.strip("# ")
            if not _is_ignored(comment):
                return comment
        if stripped:
            return None
    return None


def _inline_comment(line: str) -> str | None:
    readline = io.StringIO(line).readline
    comments = []
    try:
        for token in tokenize.generate_tokens(readline):
            if token.type == tokenize.COMMENT:
                comments.append(token.string[1:].strip())
    except (tokenize.TokenError, SyntaxError):
        # The assignment continues on the next line (an open bracket or
        # string), so look for a comment above it instead.
        return None
    for comment in comments:
        if not _is_ignored(comment):
            return comment
    return None


def _is_ignored(comment: str) -> bool:
    return any(re.match(pattern, comment) for pattern in IGNORED_COMMENTS)
