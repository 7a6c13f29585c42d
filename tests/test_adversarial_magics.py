"""Odd and careless ``%%experiment`` and ``%%config`` cells in a real IPython shell."""

from __future__ import annotations

import json
import os

import pytest
from conftest import run_cell


def stored_runs(tmp_path):
    store = tmp_path / "runs"
    return sorted(name for name in os.listdir(store) if name.isdigit()) if store.is_dir() else []


@pytest.mark.parametrize("statement", ["await asyncio.sleep(0)", "return 3", "yield 3", "x = = 1"])
def test_syntax_error_cell_fails(shell, tmp_path, statement):
    # A notebook's "run all" stops at a cell only when the cell reports an error.
    result = run_cell(shell, f"%%experiment\nimport asyncio\n{statement}\n")

    assert isinstance(result.error_in_exec, SyntaxError)
    assert not result.success
    assert stored_runs(tmp_path) == []


CONFIG_BODY = "lr = 0.1\nimport math\nsquare = lambda x: x * x\ndef halve(value):\n    return value / 2\n"


def sacred_config_json(tmp_path, body):
    """Return the config.json Sacred 0.8.7 stores for a config function with ``body``."""
    import importlib.util
    import textwrap

    module_path = tmp_path / "oracle_config.py"
    module_path.write_text("from sacred import Experiment\nfrom sacred.observers import FileStorageObserver\n"
                           "ex = Experiment('oracle', save_git_info=False)\n@ex.config\ndef cfg():\n"
                           + textwrap.indent(body, "    ") + "@ex.main\ndef main():\n    pass\n")
    spec = importlib.util.spec_from_file_location("oracle_config", module_path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.ex.observers.append(module.FileStorageObserver(str(tmp_path / "oracle")))
    module.ex.run()
    return json.loads((tmp_path / "oracle" / "1" / "config.json").read_text())


def without_seed(config):
    """Return ``config`` without its seed, naming the oracle's functions as defined in ``__main__``."""
    text = json.dumps({key: value for key, value in config.items() if key != "seed"})
    return json.loads(text.replace("oracle_config.", "__main__."))


def test_config_cell_entries_are_assignments(shell, tmp_path, run_folder):
    # Only assignments of a %%config cell are entries; its imports and functions are
    # defined for later cells as in any cell. Sacred's config function would also store
    # the module and the function; the lambda is lost in both, as jsonpickle drops it.
    run_cell(shell, "%%config\n" + CONFIG_BODY + "for step in range(2):\n    pass\n")
    result = run_cell(shell, "%%experiment\n(square(3), halve(lr), math.floor(2.5))\n")

    assert result.result == (9, 0.05, 2)
    config = without_seed(run_folder(1, "config.json"))
    sacred = without_seed(sacred_config_json(tmp_path, CONFIG_BODY))
    assert config == {key: value for key, value in sacred.items() if key not in ("math", "halve")}
    assert "step" not in config


def test_config_cell_function_usable_later(shell):
    # A function defined in a %%config cell is defined in the notebook, as in any cell;
    # during a run it reads the run's config entries, which are names in the notebook.
    run_cell(shell, "%%config\nlr = 0.1\ndef schedule(epoch):\n    return lr / (epoch + 1)\n")
    result = run_cell(shell, "%%experiment with lr=0.4\nschedule(1)\n")

    assert result.success
    assert result.result == 0.2


def test_nested_experiment_cell_shared_store(shell, tmp_path):
    # %observe gives every run one observer object; a cell that runs another
    # %%experiment still gets both runs recorded.
    run_cell(shell, "%observe file store")
    result = run_cell(shell, "%%experiment outer\ninner = get_ipython().run_cell_magic('experiment', 'inner', '41 + 1')\n"
                             "inner + 1\n")

    assert result.result == 43
    records = {run["experiment"]["name"]: run for run in map(read_stored_run, (tmp_path / "store").glob("[0-9]*"))}
    assert records["outer"]["status"] == "COMPLETED"
    assert records["outer"]["result"] == 43
    assert records["inner"]["result"] == 42


def read_stored_run(folder):
    return json.loads((folder / "run.json").read_text())


def test_thread_outliving_cell_raises(shell, tmp_path):
    # A thread that logs after its cell ended gets an error instead of losing the point silently.
    result = run_cell(shell, "%%experiment\nimport threading\nstarted = threading.Event()\nlate_errors = []\n"
                             "def late():\n    started.wait()\n    try:\n        _run.log_scalar('loss', 1.0)\n"
                             "    except RuntimeError as error:\n        late_errors.append(str(error))\n"
                             "worker = threading.Thread(target=late)\nworker.start()\n")
    assert result.success
    run_cell(shell, "started.set()\nworker.join()")

    assert "has ended (COMPLETED)" in shell.user_ns["late_errors"][0]
