"""Scripts with @ex.automain and Sacred's command line, compared with Sacred 0.8.7."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    '''
    import sys
    if sys.argv.pop(1) == "sacred":
        from sacred import Experiment
    else:
        from jupyter_sacred import Experiment

    ex = Experiment("cli", save_git_info=False)

    @ex.config
    def cfg():
        """Training setup"""
        lr = 0.1  # learning rate
        opt = {"name": "sgd", "momentum": 0.9}

    @ex.named_config
    def fast():
        """Few epochs"""
        lr = 1.0

    @ex.command
    def evaluate(lr):
        print("evaluating", lr)
        return lr * 2

    @ex.automain
    def main(lr, opt):
        print("training", lr, opt["name"])
        return lr
    '''
)


@pytest.fixture
def script(tmp_path):
    path = tmp_path / "cli_exp.py"
    path.write_text(SCRIPT)
    return path


def run_script(script, engine, *args):
    return subprocess.run([sys.executable, str(script), engine, *args], cwd=script.parent,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("args", [
    ["print_config"],
    ["print_config", "with", "lr=0.5", "opt.name=adam"],
    ["print_config", "with", "fast"],
    ["print_named_configs"],
])
def test_printing_commands_match_sacred(script, args):
    ours = run_script(script, "ours", *args)
    theirs = run_script(script, "sacred", *args)
    assert ours.returncode == theirs.returncode == 0, ours.stderr
    assert without_seed(ours.stdout) == without_seed(theirs.stdout)


def without_seed(text):
    """Replace the random seed and its padding, the one part that differs between two runs."""
    return [re.sub(r"seed = \d+ *", "seed = N ", line) for line in text.strip().splitlines()]


def test_unused_added_key_is_refused(script):
    ours = run_script(script, "ours", "print_config", "with", "extra=3")
    theirs = run_script(script, "sacred", "print_config", "with", "extra=3")
    assert theirs.returncode != 0
    assert ours.returncode != 0
    assert "extra" in ours.stderr


def test_run_with_options_stores_meta(script, tmp_path):
    done = run_script(script, "ours", "with", "lr=0.3", "-F", "store", "-c", "first try", "-P", "3")
    assert done.returncode == 0, done.stderr

    run = json.loads((tmp_path / "store" / "1" / "run.json").read_text())
    assert run["status"] == "COMPLETED"
    assert run["result"] == 0.3
    assert run["meta"]["comment"] == "first try"
    assert run["meta"]["priority"] == 3.0
    assert run["meta"]["options"]["--file_storage"] == "store"
    assert "training 0.3 sgd" in (tmp_path / "store" / "1" / "cout.txt").read_text()


def test_command_by_name(script, tmp_path):
    done = run_script(script, "ours", "evaluate", "with", "fast", "-F", "store")
    assert done.returncode == 0, done.stderr
    run = json.loads((tmp_path / "store" / "1" / "run.json").read_text())
    assert run["command"] == "evaluate"
    assert run["result"] == 2.0
    assert run["meta"]["named_configs"] == ["fast"]


def test_queue_and_seed_options(script, tmp_path):
    done = run_script(script, "ours", "-q", "-s", "1234", "-F", "store")
    assert done.returncode == 0, done.stderr
    run = json.loads((tmp_path / "store" / "1" / "run.json").read_text())
    config = json.loads((tmp_path / "store" / "1" / "config.json").read_text())
    assert run["status"] == "QUEUED"
    assert config["seed"] == 1234
    assert "training" not in done.stdout


def test_unobserved_stores_nothing(script, tmp_path):
    done = run_script(script, "ours", "-u", "-F", "store")
    assert done.returncode == 0, done.stderr
    assert "training 0.1 sgd" in done.stdout
    assert not (tmp_path / "store").exists()


@pytest.mark.parametrize(("args", "message"), [
    (["with", "=5"], "=5"),
    (["--bogus"], "--bogus"),
    (["nonsense"], "nonsense"),
    (["-b"], "-b"),
])
def test_bad_command_line_exits_2(script, args, message):
    done = run_script(script, "ours", *args)
    assert done.returncode == 2
    assert message in done.stderr


def test_failing_run_exits_1_with_trace(tmp_path):
    path = tmp_path / "fails.py"
    path.write_text("from jupyter_sacred import Experiment\nex = Experiment('fails')\n"
                    "@ex.automain\ndef main():\n    raise RuntimeError('bad luck')\n")
    done = subprocess.run([sys.executable, str(path), "-F", "store"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1
    assert "RuntimeError: bad luck" in done.stderr
    run = json.loads((tmp_path / "store" / "1" / "run.json").read_text())
    assert run["status"] == "FAILED"


def test_automain_in_ipython_does_not_parse_argv(shell):
    from conftest import run_cell

    result = run_cell(shell, "from jupyter_sacred import Experiment\nex = Experiment('nb')\n"
                             "@ex.automain\ndef main():\n    return 5\n")
    assert result.success
    assert shell.user_ns["ex"].default_command == "main"


def test_unknown_command_listed_once(script):
    done = run_script(script, "ours", "nonsense")
    assert done.returncode == 2
    assert done.stderr.count("print_config") == 1


def test_config_typo_is_one_line(script):
    done = run_script(script, "ours", "with", "lrr=1")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert "lrr" in errors[0]


def test_failure_trace_hides_package_frames(tmp_path):
    path = tmp_path / "fails.py"
    path.write_text("from jupyter_sacred import Experiment\nex = Experiment('fails')\n"
                    "@ex.automain\ndef main():\n    raise RuntimeError('bad luck')\n")
    done = subprocess.run([sys.executable, str(path), "-u"], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 1
    assert "jupyter_sacred" not in done.stderr.split("Traceback")[-1]
    assert "fails.py" in done.stderr
