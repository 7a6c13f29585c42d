"""Example scripts in the style of Sacred's documentation, run under both engines.

Each script in ``sacred_examples/`` imports from ``jupyter_sacred``; its Sacred twin
differs only in those imports (see ``sacred_twin``).
"""

from __future__ import annotations

import json

import pytest

from test_sacred_compat_oracle import run_example


def both(tmp_path, script, *args, env=None):
    runs = {engine: run_example(tmp_path / engine, engine, script, *args, env=env) for engine in ("sacred", "ours")}
    for engine, done in runs.items():
        assert done.returncode == 0, (engine, done.stderr)
    return runs


def stored_run(tmp_path, engine, run_id="1", name="run.json"):
    text = (tmp_path / engine / "store" / run_id / name).read_text()
    return json.loads(text) if name.endswith(".json") else text


@pytest.mark.parametrize("args", [["with", "seed=12345", "count=3"], ["with", "seed=12345", "count=3", "swap=True"]])
def test_example_randomness(tmp_path, args):
    runs = both(tmp_path, "randomness.py", *args, "-l", "WARNING")
    assert runs["ours"].stdout == runs["sacred"].stdout
    assert len(runs["ours"].stdout.splitlines()) == 4


def test_example_progress_filter(tmp_path):
    runs = both(tmp_path, "progress_filter.py", "-F", "store", "--capture=sys")
    assert runs["ours"].stdout == runs["sacred"].stdout
    cout = stored_run(tmp_path, "ours", name="cout.txt")
    assert cout == stored_run(tmp_path, "sacred", name="cout.txt")
    assert "finished 20 of 20\ntpo fixed\n" in cout
    assert "\r" not in cout
    assert "\b" not in cout


def test_example_custom_logger(tmp_path):
    runs = both(tmp_path, "custom_logger.py")
    ours = runs["ours"].stderr.splitlines()
    theirs = runs["sacred"].stderr.splitlines()
    # Sacred logs "Started" for a run without id; we log the id, None here.
    assert [line for line in ours if "Started" not in line] == [line for line in theirs if "Started" not in line]
    assert "<W> workshop.assemble: no glue: 3 loose parts" in ours
    quiet = both(tmp_path / "quiet", "custom_logger.py", "-l", "WARNING")
    assert quiet["ours"].stderr == quiet["sacred"].stderr


@pytest.mark.parametrize("args", [
    ["greet", "with", "loud", "name=ann"], ["print_named_configs"], ["print_config", "with", "loud"],
])
def test_example_commands(tmp_path, args):
    runs = both(tmp_path, "commands.py", *args)
    ours = [line for line in runs["ours"].stdout.splitlines() if "seed = " not in line]
    theirs = [line for line in runs["sacred"].stdout.splitlines() if "seed = " not in line]
    assert ours == theirs
    assert ours


def test_example_unobserved_command(tmp_path):
    runs = both(tmp_path, "commands.py", "peek", "-F", "store")
    assert runs["ours"].stdout == runs["sacred"].stdout == "would greet world\n"
    assert not (tmp_path / "ours" / "store").exists()
    assert not (tmp_path / "sacred" / "store").exists()


def test_example_id_and_beat_interval_options(tmp_path):
    both(tmp_path, "commands.py", "-F", "store", "-i", "17", "-b", "0.2", "with", "name=bo")
    ours, theirs = stored_run(tmp_path, "ours", "17"), stored_run(tmp_path, "sacred", "17")
    assert ours["meta"]["options"] == theirs["meta"]["options"]
    assert ours["meta"]["options"]["--id"] == "17"
    assert ours["meta"]["options"]["--beat-interval"] == "0.2"
    assert ours["status"] == theirs["status"] == "COMPLETED"
    assert stored_run(tmp_path, "ours", "17", "metrics.json")["length"]["values"] == [2]


def test_example_mongo_option(tmp_path, mongo_url, mongo_db_name):
    import pymongo

    url = f"{mongo_url.rstrip('/')}/{mongo_db_name}"
    done = run_example(tmp_path, "ours", "commands.py", "-m", url, "-i", "5", "with", "name=mo")
    assert done.returncode == 0, done.stderr
    client = pymongo.MongoClient(mongo_url)
    try:
        run = client[mongo_db_name].runs.find_one({"_id": 5})
    finally:
        client.close()
    assert run["status"] == "COMPLETED"
    assert run["config"]["name"] == "mo"
    assert run["result"] == 2
    assert "main for mo" in run["captured_out"]


def test_example_host_env(tmp_path):
    both(tmp_path, "host_env.py", "-F", "store", env={"EXAMPLE_MARK": "set"})
    ours, theirs = stored_run(tmp_path, "ours")["host"], stored_run(tmp_path, "sacred")["host"]
    assert ours["ENV"] == theirs["ENV"] == {"EXAMPLE_MARK": "set"}
    assert ours["machine"] == theirs["machine"]
    assert set(ours) == set(theirs)


def test_example_repository_info(tmp_path):
    import subprocess

    for engine in ("sacred", "ours"):
        run_example(tmp_path / engine, engine, "git_info.py", "--help")
    git = ["git", "-C", str(tmp_path), "-c", "user.name=t", "-c", "user.email=t@example.org",
           "-c", "commit.gpgsign=false"]
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    subprocess.run([*git, "remote", "add", "origin", "https://example.org/lab.git"], check=True)
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-q", "-m", "examples"], check=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    both(tmp_path, "git_info.py", "-F", "store")
    ours = stored_run(tmp_path, "ours")["experiment"]["repositories"]
    theirs = stored_run(tmp_path, "sacred")["experiment"]["repositories"]
    assert ours == theirs
    assert ours[0]["url"] == "https://example.org/lab.git"
    assert ours[0]["commit"] == commit
    assert ours[0]["dirty"] is False


def test_example_enforce_clean_and_name(tmp_path):
    outside = both(tmp_path / "outside", "git_info.py", "--help")
    assert outside["ours"].returncode == 0
    for engine in ("sacred", "ours"):
        done = run_example(tmp_path / "outside" / engine, engine, "git_info.py", "-e")
        assert done.returncode != 0
        assert "git_info.py" not in done.stdout
        assert "enforce" in done.stderr.lower() or "version control" in done.stderr.lower(), done.stderr
    renamed = both(tmp_path / "named", "git_info.py", "-F", "store", "-n", "renamed")
    for engine in ("sacred", "ours"):
        entry = json.loads((tmp_path / "named" / engine / "store" / "1" / "run.json").read_text())
        assert entry["experiment"]["name"] == "renamed", engine
