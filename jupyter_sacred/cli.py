"""``jupyter sacred``: list, show and export the runs of a store from a shell.

Commands: ``ls STORE``, ``show STORE ID``, ``metrics STORE ID``,
``export STORE -o FILE``. STORE is a run folder or a ``mongodb://`` URL.
Exit codes: 0 on success, 1 when the store or the output file fails
(MongoDB unreachable, file not writable), 2 for bad usage (unknown store,
run or format).
"""

from __future__ import annotations

import argparse
import json
import math
import shlex
import sys
from typing import Any, Sequence

FAILURE = 1
USAGE_ERROR = 2
LS_COLUMNS = ["id", "experiment", "status", "start_time", "duration", "result", "comment"]


EPILOG = """\
STORE is a run folder written by a file observer (for example ./runs) or a
mongodb://HOST:PORT/DB URL. A MongoDB server that does not respond within
5 seconds is reported as unreachable.

Exit codes: 0 success, 1 the store or output file failed (MongoDB
unreachable, file not writable), 2 bad usage (no such store, run or format).
Run 'jupyter sacred COMMAND --help' for the options of each command.
"""

STATUS_HELP = (
    "keep runs with this status: QUEUED, RUNNING, COMPLETED, FAILED, INTERRUPTED, TIMEOUT, or DEAD "
    "(a RUNNING run whose heartbeat stopped more than 120 s ago, or three beat intervals); repeatable"
)


class UsageError(Exception):
    """Bad input on the command line; printed as one line, exit code 2."""


class CommandError(Exception):
    """The store or the output file failed; printed as one line, exit code 1."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="jupyter sacred", description="Read runs from a jupyter_sacred or Sacred store.",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    ls = commands.add_parser(
        "ls", help="list the runs of a store",
        description="List the runs of a store, one line each: id, experiment, status, start time, "
        "duration (H:MM:SS.mmm), result (a dict result as result.<key> columns) and comment.",
    )
    _add_store(ls)
    _add_filters(ls)
    ls.add_argument("--config", action="store_true",
                    help="also show the config, one column per entry (config.<dotted.key>)")

    show = commands.add_parser("show", help="show one run: status, config, info, artifacts, output tail")
    _add_store(show)
    show.add_argument("run_id", metavar="ID", help="run id")
    show.add_argument("--tail", type=int, default=2000, metavar="BYTES", help="bytes of captured output to show (default 2000)")
    show.add_argument("--json", action="store_true", help="print the whole record as JSON")

    metrics = commands.add_parser("metrics", help="print the metrics of one run, one column per metric")
    _add_store(metrics)
    metrics.add_argument("run_id", metavar="ID", help="run id")
    metrics.add_argument("--name", action="append", help="metric name to show; repeat for several (default: all)")

    export = commands.add_parser(
        "export", help="write the runs table to a CSV or Parquet file",
        description="Write the runs table (the columns of load_runs) to a CSV or Parquet file. "
        "In Parquet, a column whose values are lists, dicts or of mixed types (a config entry whose "
        "type changed between runs, results of different types) is written as JSON text, one JSON "
        "value per cell; columns of one type stay typed.",
    )
    _add_store(export)
    _add_filters(export)
    export.add_argument("-o", "--output", required=True, metavar="FILE", help="output file: .csv, .parquet or .pq")
    return parser


def _add_store(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("store", metavar="STORE", help="run folder (for example ./runs) or mongodb://HOST:PORT/DB URL")


def _add_filters(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--status", action="append", help=STATUS_HELP)
    parser.add_argument("--experiment", action="append", help="keep runs of this experiment name; repeatable")
    parser.add_argument("--since", help="keep runs started at or after this UTC time (ISO 8601)")
    parser.add_argument("--until", help="keep runs started before this UTC time (ISO 8601)")


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    from .records.errors import RecordsError, RunNotFoundError, StoreQueryError, StoreUnreachableError

    try:
        return COMMANDS[args.command](args)
    except RunNotFoundError as exc:
        message = f"no run {exc.run_id!r} in {args.store!r}; list the ids with: jupyter sacred ls {shlex.quote(args.store)}"
        parser.exit(USAGE_ERROR, f"jupyter sacred {args.command}: error: {message}\n")
    except (CommandError, StoreUnreachableError, StoreQueryError) as exc:
        parser.exit(FAILURE, f"jupyter sacred {args.command}: error: {exc}\n")
    except (UsageError, RecordsError) as exc:
        parser.exit(USAGE_ERROR, f"jupyter sacred {args.command}: error: {exc}\n")
    except BrokenPipeError:
        return 0


def _filters(args: argparse.Namespace) -> dict[str, Any]:
    return {"status": args.status, "experiment": args.experiment, "since": args.since, "until": args.until}


def _pandas_display():
    import pandas as pd

    return pd.option_context("display.width", 200, "display.max_columns", None, "display.max_colwidth", 40)


def cmd_ls(args: argparse.Namespace) -> int:
    from .records import load_runs

    frame = load_runs(args.store, **_filters(args))
    columns = [column for column in frame.columns if column in LS_COLUMNS or column.startswith("result.")]
    if args.config:
        columns += [column for column in frame.columns if column.startswith("config.")]
    if frame.empty:
        print("no runs")
        return 0
    table = frame[columns].dropna(axis=1, how="all")
    if "duration" in table:
        table = table.assign(duration=table["duration"].map(format_duration))
    with _pandas_display():
        print(table.to_string(index=False))
    return 0


def format_duration(value: Any) -> str:
    """Format a duration as ``H:MM:SS.mmm`` (hours may pass 24); empty while a run has none."""
    seconds = value.total_seconds() if hasattr(value, "total_seconds") else math.nan
    if math.isnan(seconds):
        return ""
    sign = "-" if seconds < 0 else ""
    milliseconds = round(abs(seconds) * 1000)
    minutes, milliseconds = divmod(milliseconds, 60_000)
    hours, minutes = divmod(minutes, 60)
    return f"{sign}{hours}:{minutes:02d}:{milliseconds / 1000:06.3f}"


def cmd_show(args: argparse.Namespace) -> int:
    from .records import read_run
    from .records._rows import flatten_dict

    record = read_run(args.store, args.run_id, tail_bytes=max(args.tail, 0))
    if args.json:
        print(json.dumps(record, indent=2, sort_keys=True, default=_json_default))
        return 0
    experiment = record.get("experiment") or {}
    lines = [
        f"run {record['id']}  {experiment.get('name')}  {record['status']}",
        f"started   {record.get('start_time')}",
        f"stopped   {record.get('stop_time')}",
        f"heartbeat {record.get('heartbeat')}",
        f"result    {record.get('result')!r}",
        f"git       {record['git']['commit']} {'(dirty)' if record['git']['dirty'] else ''}".rstrip(),
        "config:",
    ]
    lines += [f"  {key[len('config.'):]} = {value!r}" for key, value in sorted(flatten_dict(record["config"], "config", {}).items())]
    lines.append(f"info keys: {', '.join(sorted(map(str, record['info']))) or '-'}")
    lines.append(f"metrics:   {', '.join(record['metrics']) or '-'}")
    lines.append("artifacts:")
    lines += [f"  {artifact['name']}  {artifact.get('path') or artifact.get('file_id')}" for artifact in record["artifacts"]]
    if record.get("fail_trace"):
        lines.append("fail trace:")
        lines.append("".join(map(str, record["fail_trace"])).rstrip())  # a hand-edited store may hold non-strings
    shown = len(record["captured_out"].encode("utf-8"))
    lines.append(f"captured output (last {shown} of {record['captured_out_bytes']} bytes):")
    print("\n".join(lines))
    print(record["captured_out"], end="")
    return 0


def cmd_metrics(args: argparse.Namespace) -> int:
    from .records import load_metrics, metrics_wide, read_run

    frame = load_metrics(args.store, [args.run_id], args.name)
    if frame.empty:
        read_run(args.store, args.run_id, tail_bytes=0)  # raises when the run does not exist
        print("no metrics")
        return 0
    with _pandas_display():
        print(metrics_wide(frame).droplevel("run_id").to_string())
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from .records import open_store
    from .records._filter import RunFilter
    from .records.api import runs_frame

    output = args.output
    suffix = output.rsplit(".", 1)[-1].lower() if "." in output else ""
    if suffix not in ("csv", "parquet", "pq"):
        raise UsageError(f"unknown output format of {output!r}: name the file .csv, .parquet or .pq")
    flt = RunFilter.build(**_filters(args))
    progress = _Progress(sys.stderr) if sys.stderr.isatty() else None
    frame = runs_frame(open_store(args.store), flt, progress)
    if progress is not None:
        progress.close()
    try:
        if suffix == "csv":
            frame.to_csv(output, index=False)
        else:
            _to_parquet(frame, output)
    except (OSError, ValueError, TypeError, NotImplementedError) as exc:
        # pyarrow's errors derive from these; their text can span lines.
        raise CommandError(f"cannot write {output!r}: {type(exc).__name__}: {' '.join(str(exc).split())}") from exc
    print(f"wrote {len(frame)} runs to {output}", file=sys.stderr)
    return 0


def _to_parquet(frame, output: str) -> None:
    # Parquet needs one type per column: a column holding lists, dicts, other
    # objects or a mix of str, bool and numbers is written as JSON text.
    frame = frame.copy()
    for column in frame.columns:
        kinds = _value_kinds(frame[column])
        if len(kinds) > 1 or "other" in kinds:
            frame[column] = frame[column].map(lambda value: None if _is_missing(value) else json.dumps(value, default=_json_default))
    try:
        frame.to_parquet(output, index=False)
    except ImportError as exc:
        raise UsageError(f"writing {output!r} needs pyarrow: pip install pyarrow, or export to .csv") from exc


_INT64 = range(-(2**63), 2**63)


def _value_kinds(values) -> set[str]:
    """Return the kinds of the non-missing values: str, bool, number or other."""
    if values.dtype != object:
        return set()
    kinds = set()
    for value in values:
        if _is_missing(value):
            continue
        if isinstance(value, (str, bool)):
            kinds.add(type(value).__name__)
        elif isinstance(value, float) or (isinstance(value, int) and value in _INT64):
            kinds.add("number")
        else:
            kinds.add("other")
    return kinds


def _is_missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or type(value).__name__ in ("NAType", "NaTType")


def _json_default(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (set, tuple)):
        return list(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace")
    return str(value)


class _Progress:
    """A one-line progress display on a terminal: runs read so far."""

    def __init__(self, stream) -> None:
        self.stream = stream
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        text = f"reading runs: {done}/{total}" if total else f"reading runs: {done}"
        self.stream.write("\r" + text)
        self.stream.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


COMMANDS = {"ls": cmd_ls, "show": cmd_show, "metrics": cmd_metrics, "export": cmd_export}


if __name__ == "__main__":
    sys.exit(main())
