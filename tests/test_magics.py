"""The magics through a real IPython shell, checked against the stored run folders."""

from __future__ import annotations

import pytest
from conftest import run_cell
from IPython.core.error import UsageError


def test_experiment_cell_stores_run(shell, run_folder):
    run_cell(shell, "%%config\nlr = 0.1  # learning rate\nepochs = 3\n")
    result = run_cell(shell, "%%experiment demo\nfor e in range(epochs):\n    _run.log_scalar('loss', lr / (e + 1))\n"
                             "print('training', lr)\nlr * 10\n")

    assert result.success
    assert result.result == 1.0
    run = run_folder(1)
    assert run["status"] == "COMPLETED"
    assert run["experiment"]["name"] == "demo"
    assert run["result"] == 1.0
    assert run_folder(1, "config.json")["epochs"] == 3
    assert run_folder(1, "metrics.json")["loss"]["values"] == [0.1, 0.05, 0.1 / 3]
    assert "training 0.1" in run_folder(1, "cout.txt")


def test_with_clause_sets_updates(shell, run_folder):
    run_cell(shell, "%%config\nlr = 0.1\nopt = {'name': 'sgd', 'momentum': 0.9}\n")
    result = run_cell(shell, "%%experiment with lr=0.5 opt.name='adam'\n(lr, opt['name'], opt['momentum'])\n")

    assert result.result == (0.5, "adam", 0.9)
    meta = run_folder(1)["meta"]
    assert meta["config_updates"] == {"lr": 0.5, "opt": {"name": "adam"}}


def test_named_config_cell_selected_by_bare_name(shell, run_folder):
    run_cell(shell, "%%config\nlr = 0.1\nbatch = 32\n")
    run_cell(shell, "%%config --named fast\nlr = 1.0\n")
    result = run_cell(shell, "%%experiment with fast batch=64\n(lr, batch)\n")

    assert result.result == (1.0, 64)
    assert run_folder(1)["meta"]["named_configs"] == ["fast"]


def test_reexecuted_config_cell_replaces(shell, run_folder):
    run_cell(shell, "%%config\nlr = 0.1\nepochs = 3\n")
    run_cell(shell, "%%config\nlr = 0.2\nepochs = 3\n")
    run_cell(shell, "%%experiment\n(lr, epochs)\n")

    assert run_folder(1, "config.json")["lr"] == 0.2
    session = shell._jupyter_sacred_magics[0].session
    assert len(session.config_cells) == 1


def test_failing_cell_records_trace(shell, run_folder):
    result = run_cell(shell, "%%experiment\nraise ValueError('boom')\n")

    assert isinstance(result.error_in_exec, ValueError)
    run = run_folder(1)
    assert run["status"] == "FAILED"
    assert run["fail_trace"][-1] == "ValueError: boom\n"
    assert "raise ValueError('boom')" in "".join(run["fail_trace"])


def test_interrupted_cell_recorded(shell, run_folder):
    result = run_cell(shell, "%%experiment\nraise KeyboardInterrupt\n")

    assert isinstance(result.error_in_exec, KeyboardInterrupt)
    assert run_folder(1)["status"] == "INTERRUPTED"


def test_bad_with_token_raises_usage_error(shell):
    for line, token in (("with =5", "=5"), ("with 'unclosed", "unclosed"), ("--bogus", "--bogus")):
        result = run_cell(shell, f"%%experiment {line}\n1\n")
        assert isinstance(result.error_in_exec, UsageError), line
        assert token in str(result.error_in_exec)


def test_config_syntax_error_names_line(shell):
    result = run_cell(shell, "%%config\nlr = 0.1\nepochs = = 3\n")

    assert isinstance(result.error_in_exec, UsageError)
    assert "line 2" in str(result.error_in_exec)
    assert shell._jupyter_sacred_magics[0].session.config_cells == {}


def test_cell_history_stored_as_source(shell, tmp_path, run_folder):
    run_cell(shell, "x = 41")
    run_cell(shell, "%%experiment\nx + 1\n")

    sources = run_folder(1)["experiment"]["sources"]
    cells = [stored for name, stored in sources if name.endswith(".cells.py")]
    assert len(cells) == 1
    text = (tmp_path / "runs" / cells[0]).read_text()
    assert text.index("x = 41") < text.index("%%experiment")


def test_observe_file_changes_store(shell, tmp_path):
    run_cell(shell, "%observe file other_store")
    run_cell(shell, "%%experiment\n1\n")

    assert (tmp_path / "other_store" / "1" / "run.json").exists()
    assert not (tmp_path / "runs").exists()


def test_observe_none_and_list(shell, tmp_path, capsys):
    run_cell(shell, "%observe")
    assert "FileObserver" in capsys.readouterr().out
    run_cell(shell, "%observe none")
    run_cell(shell, "%%experiment\n1\n")
    assert not (tmp_path / "runs").exists()


def test_print_config_shows_next_config(shell, capsys):
    run_cell(shell, "%%config\nlr = 0.1  # learning rate\n")
    run_cell(shell, "%print_config with lr=0.3")
    out = capsys.readouterr().out
    assert "lr = 0.3" in out
    assert "# learning rate" in out


def test_reexecuted_cell_names_previous_run(shell, run_folder):
    run_cell(shell, "%%experiment\n1\n")
    run_cell(shell, "%%experiment\n1\n")
    assert run_folder(2)["meta"]["notebook"]["previous_run"] == "1"
    assert run_folder(1)["meta"]["notebook"]["previous_run"] is None


def test_unload_removes_magics(shell):
    run_cell(shell, "%unload_ext jupyter_sacred")
    result = run_cell(shell, "%%experiment\n1\n")
    assert isinstance(result.error_in_exec, UsageError)
    run_cell(shell, "%load_ext jupyter_sacred")
    assert run_cell(shell, "%%experiment\n1\n").success


@pytest.mark.parametrize("line", ["-b 0.05", "--beat-interval=0.05"])
def test_beat_interval_option(shell, run_folder, line):
    run_cell(shell, f"%%experiment {line}\nimport time\ntime.sleep(0.2)\n")
    assert run_folder(1)["meta"]["beat_interval"] == 0.05


def test_config_cell_reads_earlier_cells(shell, run_folder):
    run_cell(shell, "import math\nbase = 8")
    run_cell(shell, "%%config\nwidth = base * 2\nlog_width = math.log2(base)\n")
    run_cell(shell, "%%experiment\nwidth\n")

    config = run_folder(1, "config.json")
    assert config["width"] == 16
    assert config["log_width"] == 3.0
    assert "math" not in config
    assert "base" not in config


def test_force_option_allows_unused_key(shell, run_folder):
    run_cell(shell, "%%config\nlr = 0.1\n")
    refused = run_cell(shell, "%%experiment with lrr=0.5\nlr\n")
    assert isinstance(refused.error_in_exec, UsageError)
    assert "--force" in str(refused.error_in_exec)

    forced = run_cell(shell, "%%experiment -f with lrr=0.5\nlr\n")
    assert forced.success
    assert run_folder(1, "config.json")["lrr"] == 0.5


def test_type_change_warning_shown(shell, capsys):
    run_cell(shell, "%%config\nepochs = 3\n")
    run_cell(shell, "%%experiment with epochs='three'\nepochs\n")
    assert 'Changed type of config entry "epochs"' in capsys.readouterr().err


def test_print_config_without_with(shell, capsys):
    run_cell(shell, "%%config\nlr = 0.1\n")
    run_cell(shell, "%print_config lr=0.3")
    assert "lr = 0.3" in capsys.readouterr().out
    result = run_cell(shell, "%print_config --bogus")
    assert "%print_config" in str(result.error_in_exec)


def test_print_dependencies_lists_cells(shell, capsys):
    run_cell(shell, "x = 1")
    run_cell(shell, "%print_dependencies")
    assert ".cells.py" in capsys.readouterr().out


def test_run_diff_headers_on_own_lines(shell, capsys):
    run_cell(shell, "%%experiment with seed=1\n1\n")
    run_cell(shell, "%%experiment with seed=2\n2\n")
    run_cell(shell, "%run_diff")
    out = capsys.readouterr().out
    assert "}---" not in out
    assert "+++ run 2 config" in out


def test_observe_confirms_choice(shell, capsys):
    run_cell(shell, "%observe file elsewhere")
    assert "FileObserver" in capsys.readouterr().out
    run_cell(shell, "%observe none")
    assert "not stored" in capsys.readouterr().out
