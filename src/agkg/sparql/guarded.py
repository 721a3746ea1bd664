"""Letting the engine sort a query's answer in a child process, which it may abort.

pyoxigraph 0.5.13 sorts with Rust's ``sort_unstable_by``, which panics when the comparison is
not a total order, and a panic inside pyoxigraph aborts the whole process: no exception, no
clean-up, a Rust backtrace on the terminal. Oxigraph's ORDER BY comparison is not a total order
on some columns (numbers by value beside numeric strings by text: 9 < 10 but "10" < "5" <
"9"), so ``ORDER BY (COALESCE(?x, 0))`` over such values killed ``agkg query`` and the query
worker of ``agkg serve``.

agkg sorts itself every ``ORDER BY`` over variables it can read (``ordering.py``), in an order
that is always total. What is left to the engine (expression keys, the calendar fragments) runs
here: in a forked child that writes the answer as SPARQL TSV to a temporary file, which the
parent reads back. If the child is aborted, the parent says why in words (an engine that failed
to order the values, or ran out of memory: ``MemoryError``, as the endpoint's workers report a
query past their memory limit). A platform without ``fork`` evaluates in the process.
"""

from __future__ import annotations

import ctypes
import faulthandler
import os
import re
import signal
import tempfile
from collections.abc import Callable
from typing import BinaryIO, NoReturn

import pyoxigraph as ox

from agkg.errors import QueryError
from agkg.sparql.querytext import mask_non_code, query_form

_ORDER_BY = re.compile(r"\bORDER\s+BY\b", re.IGNORECASE)
_PANIC = re.compile(r"panicked at [^\n]*:\n([^\n]+)")
_OUT_OF_MEMORY = "memory allocation of"
# exit codes of the child
_ANSWERED, _SYNTAX, _FAILED, _MEMORY = 0, 3, 4, 5
_NO_ORDER = "does not correctly implement a total order"
_PR_SET_PDEATHSIG = 1

Evaluate = Callable[[str], ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples]


def engine_sorts(query: str) -> bool:
    """Whether ``query`` is a SELECT with an ORDER BY somewhere (the engine would sort)."""
    masked = mask_non_code(query)
    return query_form(masked) == "SELECT" and _ORDER_BY.search(masked) is not None


def evaluate_apart(evaluate: Evaluate, query: str) -> ox.QuerySolutions | ox.QueryBoolean | ox.QueryTriples:
    """``evaluate(query)``, a SELECT, evaluated and read to the end in a forked child.

    Raises ``SyntaxError`` and ``QueryError`` as ``evaluate`` would, ``QueryError`` naming the
    engine's failure when it aborted, and ``MemoryError`` when it ran out of memory.
    """
    if not hasattr(os, "fork"):
        return evaluate(query)
    with tempfile.TemporaryFile() as answer, tempfile.TemporaryFile() as errors:
        parent = os.getpid()
        pid = os.fork()
        if pid == 0:  # the child: never returns
            _answer_in_child(evaluate, query, answer, errors, parent)
        _, status = os.waitpid(pid, 0)
        errors.seek(0)
        said = errors.read().decode("utf-8", "replace")
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == _ANSWERED:
            answer.seek(0)
            parsed = ox.parse_query_results(answer.read(), format=ox.QueryResultsFormat.TSV)
            return parsed
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == _SYNTAX:
            raise SyntaxError(said.strip())
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == _FAILED:
            raise QueryError(f"query failed: {said.strip()}")
        if os.WIFEXITED(status) and os.WEXITSTATUS(status) == _MEMORY:
            raise MemoryError("the query ran out of memory")
        raise _abort_error(said, status)


def _answer_in_child(
    evaluate: Evaluate, query: str, answer: BinaryIO, errors: BinaryIO, parent: int
) -> NoReturn:
    """Evaluate, write the TSV answer, and leave with an exit code saying how it went; what the
    engine prints when it aborts goes to ``errors``, not to the user's terminal."""
    code = _FAILED
    try:
        _die_with_parent(parent)
        os.dup2(errors.fileno(), 2)
        faulthandler.disable()  # an abort is expected here: no stack on the parent's stream
        result = evaluate(query)
        if not isinstance(result, ox.QuerySolutions):
            raise QueryError("only a SELECT query is evaluated apart")
        result.serialize(answer, format=ox.QueryResultsFormat.TSV)
        answer.flush()
        code = _ANSWERED
    except SyntaxError as error:
        errors.write(str(error).encode("utf-8", "replace"))
        code = _SYNTAX
    except MemoryError:
        code = _MEMORY
    except BaseException as error:  # the child must leave by os._exit, whatever happened
        errors.write(str(error).encode("utf-8", "replace"))
    finally:
        errors.flush()
        os._exit(code)


def _die_with_parent(parent: int) -> None:
    """Have the kernel kill this child when its parent goes (an endpoint worker stopped at its
    time limit, say), so that no orphan goes on evaluating; Linux's prctl, where there is one."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent went before the request took effect
        os._exit(_FAILED)


def _abort_error(said: str, status: int) -> Exception:
    """What to tell the user about a child that did not leave by itself."""
    if _OUT_OF_MEMORY in said:
        return MemoryError(said.strip())
    panic = _PANIC.search(said)
    if panic is not None and _NO_ORDER in panic.group(1):
        return QueryError(
            "the query engine cannot sort these values: its ORDER BY compares some of them by "
            "value and others by text (numbers beside numeric strings, say), which is no one "
            "order; order by STR(...) to sort them as text, or by a variable, which agkg sorts"
        )
    if panic is not None:
        return QueryError(f"the query engine failed on this query: {panic.group(1).strip()}")
    how = (
        f"signal {signal.Signals(os.WTERMSIG(status)).name}"
        if os.WIFSIGNALED(status)
        else f"exit code {os.WEXITSTATUS(status)}"
    )
    return QueryError(f"the query engine stopped on this query ({how})")
