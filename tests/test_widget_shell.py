"""The run widget and the static run view, driven through a real IPython shell.

A terminal shell has no widget frontend, so tests that need the widget make
``has_widget_frontend`` true and give ipywidgets a comm that records every
message it would send to the frontend.
"""

from __future__ import annotations

import base64

import comm
import pytest

from conftest import run_cell
from jupyter_sacred.notebook import display as run_display
from jupyter_sacred.notebook import get_session
from jupyter_sacred.notebook import widget as run_widget

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
TRAINING = '''%%experiment with lr=0.5 extra=1
import time
for step in range(300):
    _run.log_scalar("train.loss", 1 / (step + 1))
    _run.log_scalar("train.acc", step / 300)
    _run.log_scalar("lr_now", lr)
_run.info["notebook"] = {"warnings": ["cell 3 was edited after it ran"]}
_run.info["model"] = {"layers": [{"units": 8}], "name": "mlp", "extra": extra}
print("epoch done")
time.sleep(0.3)
"finished"
'''


class RecordingComm:
    """A comm whose messages are kept in ``sent`` instead of going to a frontend."""

    def __init__(self, sent: list, **kwargs) -> None:
        self.comm_id = kwargs.get("comm_id") or f"comm-{id(self)}"
        self.kernel = object()  # ipywidgets sends only through a comm that has a kernel
        self.sent = sent

    def send(self, data=None, metadata=None, buffers=None) -> None:
        self.sent.append((self.comm_id, data, buffers))

    def open(self, *args, **kwargs) -> None:
        pass

    def close(self, *args, **kwargs) -> None:
        pass

    def on_msg(self, callback) -> None:
        pass

    def on_close(self, callback) -> None:
        pass


@pytest.fixture
def sent(monkeypatch):
    messages: list = []
    monkeypatch.setattr(comm, "create_comm", lambda *args, **kwargs: RecordingComm(messages, **kwargs))
    return messages


@pytest.fixture
def displayed(shell, monkeypatch):
    """The MIME bundles the shell displays, in order."""
    bundles: list[dict] = []
    original = shell.display_pub.publish

    def publish(data, metadata=None, **kwargs):
        bundles.append(data)
        return original(data, metadata=metadata, **kwargs)

    monkeypatch.setattr(shell.display_pub, "publish", publish)
    return bundles


@pytest.fixture
def widgets_on(monkeypatch, sent):
    monkeypatch.setattr(run_display, "has_widget_frontend", lambda shell: True)
    created: list[run_widget.RunWidget] = []
    original = run_widget.RunWidget.__init__

    def init(self, *args, **kwargs):
        original(self, *args, **kwargs)
        created.append(self)

    monkeypatch.setattr(run_widget.RunWidget, "__init__", init)
    return created


def run_training(shell) -> None:
    run_cell(shell, "%%config\nlr = 0.1\nlayers = 2\n")
    result = run_cell(shell, TRAINING)
    assert result.error_in_exec is None


def test_widget_final_state(shell, widgets_on, displayed):
    run_training(shell)

    (widget,) = widgets_on
    run = get_session(shell).runs[-1]
    assert "data-status='COMPLETED'" in widget.header.value
    assert f"Run {run._id}</b>" in widget.header.value
    assert "runs" in widget.header.value
    assert "last heartbeat 20" in widget.header.value
    assert "finished" in widget.result.value
    assert "epoch done" in widget.output.value
    assert "cell 3 was edited after it ran" in widget.warnings.value
    assert "<summary>model</summary>" in widget.info.value
    assert "units" in widget.info.value


def test_widget_plot_per_metric(shell, widgets_on):
    run_training(shell)

    (widget,) = widgets_on
    assert sorted(widget.images) == ["lr_now", "train.acc", "train.loss"]
    for image in widget.images.values():
        assert bytes(image.value).startswith(PNG_SIGNATURE)
    # Metrics named prefix.name are grouped under a title for the prefix.
    titles = [child.value for child in widget.plots.children if hasattr(child, "value")]
    assert titles == ["<b>train</b>"]


def test_widget_config_changes_highlighted(shell, widgets_on):
    run_training(shell)

    lines = widgets_on[0].config.value.split("\n")
    modified = [line for line in lines if "lr = 0.5" in line]
    added = [line for line in lines if "extra = 1" in line]
    unchanged = [line for line in lines if "layers = 2" in line]
    assert len(modified) == 1
    assert "class='jupyter-sacred-modified'" in modified[0]
    assert len(added) == 1
    assert "class='jupyter-sacred-added'" in added[0]
    assert unchanged == ["layers = 2"]


def test_widget_typechanged_entry(shell, widgets_on):
    run_cell(shell, "%%config\nepochs = 3\n")
    run_cell(shell, '%%experiment with epochs=2.5\nepochs\n')

    config = widgets_on[0].config.value
    assert "jupyter-sacred-typechanged" in config
    assert "int -&gt; float" in config


def test_widget_failed_run(shell, widgets_on):
    run_cell(shell, "%%experiment\n_run.log_scalar('x', 1)\nraise ValueError('broken cell')\n")

    (widget,) = widgets_on
    assert "data-status='FAILED'" in widget.header.value
    assert "ValueError: broken cell" in widget.failure.value


@pytest.fixture
def kept_open(monkeypatch):
    """Leave the widgets open after the run, so a test can refresh them again."""
    monkeypatch.setattr(run_widget.RunWidget, "close", lambda self: None)


def test_refresh_batches_messages(shell, widgets_on, sent, kept_open):
    run_training(shell)
    (widget,) = widgets_on
    run = get_session(shell).runs[-1]
    run.metrics.log_scalar("train.loss", 0.001)  # new data: one plot is stale again
    widget._state_changed = True
    sent.clear()

    widget.refresh(final=True)

    updates = [(comm_id, data) for comm_id, data, _ in sent if data.get("method") == "update"]
    comm_ids = [comm_id for comm_id, _ in updates]
    # One message per changed widget: header, six state sections, one image.
    assert len(comm_ids) == len(set(comm_ids))
    assert len(updates) <= 8
    assert widget.images["train.loss"].comm.comm_id in comm_ids
    assert widget.images["train.acc"].comm.comm_id not in comm_ids


def test_refresh_without_changes_sends_nothing(shell, widgets_on, sent, kept_open):
    run_training(shell)
    (widget,) = widgets_on
    sent.clear()

    widget.refresh()

    assert [data for _, data, _ in sent if data.get("method") == "update"] == []


@pytest.fixture
def published(shell, monkeypatch):
    """Every (bundle, display id, is update) the shell publishes, in order."""
    messages: list[tuple[dict, str | None, bool]] = []
    original = shell.display_pub.publish

    def publish(data, metadata=None, transient=None, update=False, **kwargs):
        messages.append((data, (transient or {}).get("display_id"), update))
        return original(data, metadata=metadata, transient=transient, update=update, **kwargs)

    monkeypatch.setattr(shell.display_pub, "publish", publish)
    return messages


def test_static_view_replaces_widget(shell, widgets_on, published, tmp_path):
    run_training(shell)

    ((widget_view, widget_id, _),) = [message for message in published
                                      if "application/vnd.jupyter.widget-view+json" in message[0]]
    ((static, static_id, update),) = [message for message in published if run_display.RUN_MIME_TYPE in message[0]]
    assert widget_id is not None
    assert (static_id, update) == (widget_id, True)
    assert "application/vnd.jupyter.widget-view+json" not in static
    run = get_session(shell).runs[-1]
    assert static[run_display.RUN_MIME_TYPE] == {"store": str(tmp_path / "runs"), "run_id": run._id,
                                                 "status": "COMPLETED"}
    assert base64.b64decode(static["image/png"]).startswith(PNG_SIGNATURE)
    assert "data:image/png;base64," in static["text/html"]
    assert "data-status='COMPLETED'" in static["text/html"]
    assert f"Run {run._id} COMPLETED" in static["text/plain"]


def test_widget_text_plain_short(shell, widgets_on, published):
    run_training(shell)

    (text,) = [message[0]["text/plain"] for message in published
               if "application/vnd.jupyter.widget-view+json" in message[0]]
    assert "children" not in text
    assert text.endswith("(live view; open with a kernel)")
    assert len(text.splitlines()) == 1


def test_widgets_closed_after_run(shell, widgets_on):
    run_training(shell)

    (widget,) = widgets_on
    assert widget.root.comm is None
    assert all(image.comm is None for image in widget.images.values())


def test_result_not_repeated_in_view(shell, widgets_on, published):
    run_training(shell)  # the cell's value is "finished"

    (static,) = [message[0] for message in published if run_display.RUN_MIME_TYPE in message[0]]
    assert "finished" not in static["text/html"]
    assert "<b>Result</b> <i>the cell's value, shown below</i>" in static["text/html"]
    assert "result: the cell's value, shown below" in static["text/plain"]


def test_failed_run_result_row(shell, widgets_on, published):
    run_cell(shell, "%%experiment\nraise ValueError('broken cell')\n")

    (static,) = [message[0] for message in published if run_display.RUN_MIME_TYPE in message[0]]
    assert "shown below" not in static["text/html"]
    assert "<b>Result</b> <code>None</code>" in static["text/html"]


def test_no_widget_flag(shell, widgets_on, displayed, sent):
    run_cell(shell, "%%config\nlr = 0.1\n")
    run_cell(shell, "%%experiment --no-widget\n_run.log_scalar('loss', lr)\n")

    assert widgets_on == []
    assert sent == []
    assert not any("application/vnd.jupyter.widget-view+json" in bundle for bundle in displayed)
    (static,) = [bundle for bundle in displayed if run_display.RUN_MIME_TYPE in bundle]
    assert static[run_display.RUN_MIME_TYPE]["status"] == "COMPLETED"
    assert "image/png" in static


def test_show_widget_trait_off(shell, widgets_on, displayed):
    shell.run_line_magic("config", "SacredMagics.show_widget = False")
    try:
        run_cell(shell, "%%experiment\n1\n")
    finally:
        shell.run_line_magic("config", "SacredMagics.show_widget = True")

    assert widgets_on == []
    assert any(run_display.RUN_MIME_TYPE in bundle for bundle in displayed)


def test_terminal_prints_text_summary(shell, displayed, capsys):
    run_cell(shell, "%%config\nlr = 0.1\n")
    run_cell(shell, "%%experiment with lr=0.3\n_run.log_scalar('loss', 2.5)\n'ok'\n")

    out = capsys.readouterr().out
    run = get_session(shell).runs[-1]
    assert f"Run {run._id} COMPLETED" in out
    assert "metric loss: last 2.5 at step 0" in out
    assert "config modified: lr = 0.3" in out
    assert not any(run_display.RUN_MIME_TYPE in bundle for bundle in displayed)


def test_display_run_object(shell, displayed):
    run_cell(shell, "%%experiment\nfor i in range(50):\n    _run.log_scalar('loss', 50 - i)\n")
    run = get_session(shell).runs[-1]
    displayed.clear()

    shell.user_ns["finished_run"] = run
    run_cell(shell, "display(finished_run)")

    (bundle,) = displayed
    assert bundle[run_display.RUN_MIME_TYPE]["run_id"] == run._id
    assert base64.b64decode(bundle["image/png"]).startswith(PNG_SIGNATURE)
    assert "metric loss: last 1 at step 49" in bundle["text/plain"]


def test_stored_run_view(shell, tmp_path):
    run_cell(shell, "%%config\nlr = 0.1\n")
    run_cell(shell, "%%experiment with lr=0.2\nfor i in range(20):\n    _run.log_scalar('val.loss', i)\nprint('hi')\n7\n")
    run = get_session(shell).runs[-1]

    view = run_display.StoredRun(tmp_path / "runs", run._id)
    bundle = view._repr_mimebundle_()

    assert bundle[run_display.RUN_MIME_TYPE] == {"store": str(tmp_path / "runs"), "run_id": run._id,
                                                 "status": "COMPLETED"}
    assert base64.b64decode(bundle["image/png"]).startswith(PNG_SIGNATURE)
    assert "metric val.loss: last 19 at step 19" in bundle["text/plain"]
    assert "result: 7" in bundle["text/plain"]
    assert "config modified: lr = 0.2" in bundle["text/plain"]
    assert "hi" in bundle["text/html"]


def test_show_run_displays_once(shell, displayed, tmp_path):
    run_cell(shell, "%%experiment\n1\n")
    run = get_session(shell).runs[-1]
    displayed.clear()

    shell.user_ns["show_run"] = run_display.show_run
    run_cell(shell, f"show_run({str(tmp_path / 'runs')!r}, {run._id!r})")

    # The cell's value is None, so the run is not shown a second time as Out[n].
    (bundle,) = displayed
    assert bundle[run_display.RUN_MIME_TYPE]["status"] == "COMPLETED"
    assert "image/png" not in bundle  # the run logged no metric


def test_text_nested_config_change(shell, capsys):
    run_cell(shell, "%%config\nmodel = {'depth': 4, 'act': 'relu'}\nseed_like = 1\n")
    run_cell(shell, "%%experiment with model.depth=8\nmodel['depth']\n")

    changes = [line.strip() for line in capsys.readouterr().out.splitlines() if "config " in line]
    assert changes == ["config modified: model.depth = 8"]


@pytest.mark.parametrize("raised, status", [
    ("KeyboardInterrupt()", "INTERRUPTED"),
    ("TimeoutInterrupt()", "TIMEOUT"),
    ("type('Paused', (SacredInterrupt,), {'STATUS': 'PAUSED'})()", "PAUSED"),
])
def test_widget_interrupted_states(shell, widgets_on, raised, status):
    run_cell(shell, "from jupyter_sacred.interrupts import SacredInterrupt, TimeoutInterrupt")
    run_cell(shell, f"%%experiment\nraise {raised}\n")

    header = widgets_on[0].header.value
    assert f"data-status='{status}'" in header
    colour = run_display._html.STATUS_COLOURS.get(status, run_display._html.CUSTOM_STATUS_COLOUR)
    assert f"background:{colour}" in header


def test_widget_refreshes_while_running(shell, widgets_on):
    # A generous work budget, so that the first plot is drawn within the sleep.
    original = run_widget.RunWidget.__init__
    shell.user_ns["created_widgets"] = widgets_on
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(run_widget.RunWidget, "__init__",
                      lambda self, *args, **kwargs: original(self, *args, **{**kwargs, "work_budget": 1.0}))
        run_cell(shell, "%%experiment\nimport time\nfor i in range(100):\n    _run.log_scalar('loss', i)\n"
                        "time.sleep(1.5)\nlive = created_widgets[0]\n"
                        "seen_header = live.header.value\nseen_plot = bytes(live.images['loss'].value)\n")

    assert "data-status='RUNNING'" in shell.user_ns["seen_header"]
    assert shell.user_ns["seen_plot"].startswith(PNG_SIGNATURE)
    assert "data-status='COMPLETED'" in widgets_on[0].header.value


def test_widget_work_within_budget(shell, widgets_on):
    shell.user_ns["created_widgets"] = widgets_on
    run_cell(shell, "%%experiment\nimport time\nfor i in range(600_000):\n    _run.log_scalar('loss', i)\n"
                    "time.sleep(0.6)\nlive = created_widgets[0]\nunread = live.feed.pending_points()\n"
                    "busy, elapsed = live._busy_seconds, time.monotonic() - live._started_at\n")

    # Reading 600,000 points at the first guess of 100 ns each would take
    # 0.06 s, more than 2 % of the first 3 s, so the widget leaves them unread
    # while the run executes and the final refresh reads them.
    if shell.user_ns["elapsed"] >= 3:
        pytest.skip("the loop took so long on this machine that the budget allowed a read")
    assert shell.user_ns["unread"] == 600_000
    assert shell.user_ns["busy"] <= run_widget.WORK_BUDGET * shell.user_ns["elapsed"]
    assert widgets_on[0].feed.reducers["loss"].count == 600_000


def test_widget_queued_run(shell, widgets_on, displayed):
    run_cell(shell, "%%experiment -q\n1\n")

    assert "data-status='QUEUED'" in widgets_on[0].header.value
    (static,) = [bundle for bundle in displayed if run_display.RUN_MIME_TYPE in bundle]
    assert static[run_display.RUN_MIME_TYPE]["status"] == "QUEUED"
