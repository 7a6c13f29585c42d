"""Time load_runs on a folder store of 10,000 runs against mlflow.search_runs.

Usage: python benchmarks/bench_load_runs.py [--runs N] [--dir DIR] [--repeat K] [--skip-mlflow]

Builds a folder store in Sacred's FileStorageObserver format (run.json,
config.json with about 20 keys including nesting, info.json, metrics.json,
cout.txt per run), written directly rather than through an experiment so that
building takes seconds. The same runs (config as params, the last metric
values and the result as metrics, the comment as a tag) go into an MLflow
SQLite tracking store: the first 20 through MlflowClient, the rest as the
same rows inserted in one transaction (see build_mlflow). Each timing is a new Python process and its first call
("cold": the OS page cache is not dropped, which needs root), taken K times;
the table shows the median. Import time of each library is reported apart.
MLflow is a benchmark-only dependency: ``pip install mlflow``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import statistics
import subprocess
import sys
import sqlite3
import tempfile
import time
import uuid

DEPENDENCIES = [f"package{i}=={i}.{i % 7}.{i % 3}" for i in range(25)]
HOST = {
    "ENV": {},
    "cpu": "Intel(R) Xeon(R) Processor",
    "hostname": "node7",
    "os": ["Linux", "Linux-6.1.0-18-amd64-x86_64-with-glibc2.36"],
    "python_version": "3.11.7",
}
OPTIONS = {f"--{name}": None for name in ("beat-interval", "capture", "comment", "file_storage", "id", "loglevel", "mongo_db", "name", "priority", "s3", "sql", "tiny_db")}
OPTIONS.update({f"--{name}": False for name in ("debug", "enforce_clean", "force", "help", "pdb", "print-config", "queue", "unobserved")})
METRIC_POINTS = 50


def make_run(run_id: int, rng: random.Random) -> dict[str, object]:
    """Return the file contents of one completed run, as Sacred 0.8.7 writes them."""
    start = dt.datetime(2025, 1, 1) + dt.timedelta(minutes=7 * run_id, microseconds=rng.randrange(10**6))
    stop = start + dt.timedelta(seconds=rng.uniform(30, 3000))
    lr = rng.choice([0.1, 0.03, 0.01, 0.003, 0.001])
    config = {
        "seed": rng.randrange(2**31), "lr": lr, "batch_size": rng.choice([32, 64, 128, 256]),
        "epochs": rng.randrange(5, 50), "dropout": round(rng.random() / 2, 3), "weight_decay": 1e-4,
        "optimizer": {"name": rng.choice(["sgd", "adam"]), "momentum": 0.9, "betas": [0.9, 0.999], "nesterov": True},
        "model": {"name": "resnet", "depth": rng.choice([18, 34, 50]), "width": 64,
                  "head": {"hidden": 256, "activation": "relu"}},
        "data": {"path": "/data/cifar10", "augment": True, "val_split": 0.1, "workers": 4},
        "schedule": {"kind": "cosine", "warmup": 500},
        "log_every": 100, "comment_tag": f"sweep-{run_id % 17}",
    }
    steps = list(range(0, METRIC_POINTS * 10, 10))
    stamps = [(start + dt.timedelta(seconds=step)).isoformat() for step in steps]
    losses = [2.3 * (0.97 ** i) + rng.random() * 0.05 for i in range(METRIC_POINTS)]
    accs = [min(0.99, 0.1 + i * 0.017 + rng.random() * 0.01) for i in range(METRIC_POINTS)]
    metrics = {
        "train.loss": {"steps": steps, "values": losses, "timestamps": stamps},
        "val.acc": {"steps": steps, "values": accs, "timestamps": stamps},
    }
    run = {
        "artifacts": ["model.txt"], "command": "main", "heartbeat": stop.isoformat(),
        "experiment": {
            "base_dir": "/home/ana/proj", "dependencies": DEPENDENCIES, "mainfile": "train.py", "name": f"cifar{run_id % 3}",
            "repositories": [{"commit": f"{run_id % 13:040x}", "dirty": run_id % 5 == 0, "url": "git@example.org:ana/proj.git"}],
            "sources": [["train.py", "_sources/train_0c2aba70507102f8d88fcb5a8acf32ef.py"]],
        },
        "host": HOST,
        "meta": {"command": "main", "comment": f"run {run_id}", "config_updates": {"lr": lr}, "named_configs": [],
                 "options": dict(OPTIONS, **{"--comment": f"run {run_id}"})},
        "resources": [], "result": accs[-1], "start_time": start.isoformat(), "status": "COMPLETED",
        "stop_time": stop.isoformat(),
    }
    info = {"best_epoch": rng.randrange(50), "notes": "baseline sweep", "confusion": [[rng.randrange(100) for _ in range(4)] for _ in range(4)]}
    cout = "".join(f"epoch {i}: loss={value:.4f}\n" for i, value in enumerate(losses)) * 2
    return {"run": run, "config": config, "info": info, "metrics": metrics, "cout": cout}


def build_store(path: str, runs: int) -> list[dict[str, object]]:
    """Write ``runs`` run folders under ``path`` and return their contents."""
    rng = random.Random(0)
    os.makedirs(os.path.join(path, "_sources"), exist_ok=True)
    contents = []
    for run_id in range(1, runs + 1):
        record = make_run(run_id, rng)
        folder = os.path.join(path, str(run_id))
        os.makedirs(folder, exist_ok=True)
        for name, key in (("run.json", "run"), ("config.json", "config"), ("info.json", "info"), ("metrics.json", "metrics")):
            with open(os.path.join(folder, name), "w") as handle:
                json.dump(record[key], handle, sort_keys=True, indent=2)
        with open(os.path.join(folder, "cout.txt"), "w") as handle:
            handle.write(record["cout"])
        with open(os.path.join(folder, "model.txt"), "w") as handle:
            handle.write("weights\n")
        contents.append(record)
    return contents


def _flat(value: dict, prefix: str = "") -> dict:
    out = {}
    for key, item in value.items():
        name = f"{prefix}{key}"
        if isinstance(item, dict):
            out.update(_flat(item, name + "."))
        else:
            out[name] = item
    return out


def _mlflow_rows(record: dict, experiment_id: str, artifact_root: str) -> dict[str, list[tuple]]:
    """Return the rows MLflow's SQL store writes for one run: runs, params, metrics, latest_metrics, tags."""
    run = record["run"]
    run_uuid = uuid.uuid4().hex
    start_ms = int(dt.datetime.fromisoformat(run["start_time"]).timestamp() * 1000)
    stop_ms = int(dt.datetime.fromisoformat(run["stop_time"]).timestamp() * 1000)
    name = str(run["meta"]["comment"])
    metrics = [(key, series["values"][-1], stop_ms, run_uuid, series["steps"][-1], 0) for key, series in record["metrics"].items()]
    metrics.append(("result", run["result"], stop_ms, run_uuid, 0, 0))
    tags = {"mlflow.runName": name, "comment": name, "hostname": run["host"]["hostname"],
            "git_commit": run["experiment"]["repositories"][0]["commit"]}
    return {
        "runs": [(run_uuid, name, "UNKNOWN", "", "", "unknown", "FINISHED", start_ms, stop_ms, "", "active",
                  f"{artifact_root}/{run_uuid}/artifacts", int(experiment_id), None)],
        "params": [(key, str(value), run_uuid) for key, value in _flat(record["config"]).items()],
        "metrics": metrics,
        "latest_metrics": [(key, value, stamp, step, is_nan, run_uuid) for key, value, stamp, _, step, is_nan in metrics],
        "tags": [(key, value, run_uuid) for key, value in tags.items()],
    }


def build_mlflow(work: str, contents: list[dict[str, object]], through_api: int = 20) -> tuple[str, str]:
    """Log the same runs to an MLflow SQLite tracking store; return its URI and the experiment id.

    The first ``through_api`` runs go through ``MlflowClient`` (about 4 runs/s
    here, so 10,000 would take 40 minutes); the rest are inserted in one
    transaction as the same rows in MLflow's own tables, and the function
    checks that the API-written rows have exactly the columns inserted.
    """
    from mlflow.entities import Metric, Param, RunTag
    from mlflow.tracking import MlflowClient

    db_path = os.path.join(work, "mlflow.db")
    uri = f"sqlite:///{db_path}"
    artifact_root = os.path.join(work, "mlartifacts")
    client = MlflowClient(tracking_uri=uri)
    experiment_id = client.create_experiment("cifar", artifact_location=artifact_root)
    for record in contents[:through_api]:
        rows = _mlflow_rows(record, experiment_id, artifact_root)
        (run_uuid, name, *_), = rows["runs"]
        start_ms, stop_ms = rows["runs"][0][7], rows["runs"][0][8]
        created = client.create_run(experiment_id, start_time=start_ms, tags={"mlflow.runName": name})
        client.log_batch(
            created.info.run_id,
            metrics=[Metric(key, value, stamp, step) for key, value, stamp, _, step, _ in rows["metrics"]],
            params=[Param(key, value) for key, value, _ in rows["params"]],
            tags=[RunTag(key, value) for key, value, _ in rows["tags"] if key != "mlflow.runName"],
        )
        client.set_terminated(created.info.run_id, "FINISHED", end_time=stop_ms)

    connection = sqlite3.connect(db_path)
    with connection:
        for table, sample in _mlflow_rows(contents[0], experiment_id, artifact_root).items():
            columns = [row[1] for row in connection.execute(f"pragma table_info({table})")]
            if len(columns) != len(sample[0]):
                raise RuntimeError(f"MLflow's {table} table has columns {columns}; update _mlflow_rows")
        for record in contents[through_api:]:
            for table, rows in _mlflow_rows(record, experiment_id, artifact_root).items():
                marks = ",".join("?" * len(rows[0]))
                connection.executemany(f"insert into {table} values ({marks})", rows)
    connection.close()
    return uri, experiment_id


LOAD_RUNS = """
import time
started = time.perf_counter()
from jupyter_sacred.records import load_runs
imported = time.perf_counter()
cpu = time.process_time()
frame = load_runs({path!r})
done = time.perf_counter()
print(imported - started, done - imported, time.process_time() - cpu, len(frame), len(frame.columns))
"""

SEARCH_RUNS = """
import time
started = time.perf_counter()
import mlflow
imported = time.perf_counter()
mlflow.set_tracking_uri({uri!r})
cpu = time.process_time()
frame = mlflow.search_runs(experiment_ids=[{experiment_id!r}], max_results=100000)
done = time.perf_counter()
print(imported - started, done - imported, time.process_time() - cpu, len(frame), len(frame.columns))
"""


def time_in_new_process(code: str, repeat: int) -> tuple[float, float, float, int, int]:
    """Return the median import time, call wall time and call CPU time of ``code`` over fresh processes."""
    imports, calls, cpus = [], [], []
    for _ in range(repeat):
        output = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
        import_s, call_s, cpu_s, rows, columns = output.split()
        imports.append(float(import_s))
        calls.append(float(call_s))
        cpus.append(float(cpu_s))
    return statistics.median(imports), statistics.median(calls), statistics.median(cpus), int(rows), int(columns)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10_000, help="number of runs to write (default 10000)")
    parser.add_argument("--dir", help="work folder (default: a new temporary folder)")
    parser.add_argument("--repeat", type=int, default=3, help="fresh processes per timing; the median is shown (default 3)")
    parser.add_argument("--skip-mlflow", action="store_true", help="time load_runs only")
    parser.add_argument("--reuse", action="store_true", help="reuse the stores already in --dir")
    args = parser.parse_args()
    work = args.dir or tempfile.mkdtemp(prefix="bench_load_runs-")
    store = os.path.join(work, "runs")

    started = time.perf_counter()
    if args.reuse:
        contents = []
    else:
        contents = build_store(store, args.runs)
    print(f"wrote {args.runs} runs to {store} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
    ours = time_in_new_process(LOAD_RUNS.format(path=store), args.repeat)
    rows = [("jupyter_sacred.load_runs (folder)", *ours)]

    if not args.skip_mlflow:
        started = time.perf_counter()
        if args.reuse:
            uri, experiment_id = f"sqlite:///{os.path.join(work, 'mlflow.db')}", "1"
        else:
            uri, experiment_id = build_mlflow(work, contents)
        print(f"logged {args.runs} runs to {uri} in {time.perf_counter() - started:.1f} s", file=sys.stderr)
        rows.append(("mlflow.search_runs (SQLite)", *time_in_new_process(SEARCH_RUNS.format(uri=uri, experiment_id=experiment_id), args.repeat)))

    print(f"\n{args.runs} runs, median of {args.repeat} fresh processes, {os.cpu_count()} CPUs")
    print(f"load average before timing: {os.getloadavg()[0]:.1f} (other processes share the CPUs; CPU s is this process only)")
    print(f"{'reader':36} {'import s':>9} {'call s':>8} {'call CPU s':>11} {'rows':>7} {'columns':>8}")
    for name, import_s, call_s, cpu_s, count, columns in rows:
        print(f"{name:36} {import_s:9.3f} {call_s:8.3f} {cpu_s:11.3f} {count:7d} {columns:8d}")
    if len(rows) == 2:
        print(f"search_runs / load_runs: {rows[1][2] / rows[0][2]:.1f}x wall, {rows[1][3] / rows[0][3]:.1f}x CPU")


if __name__ == "__main__":
    main()
