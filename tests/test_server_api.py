"""The run browser's REST API, served by a real Jupyter server, on stores written by Sacred 0.8.7."""

from __future__ import annotations

import json
import os
from urllib.parse import quote

import pytest
from tornado.httpclient import HTTPClientError

pytest_plugins = ["pytest_jupyter.jupyter_server"]


def _run_sacred_experiments(store: str) -> None:
    from sacred import Experiment
    from sacred.observers import FileStorageObserver

    ex = Experiment("sacred_demo", interactive=True)
    ex.observers.append(FileStorageObserver(store))

    @ex.config
    def config():
        lr = 0.1
        epochs = 300
        fail = False

    @ex.main
    def main(_run, lr, epochs, fail):
        for step in range(epochs):
            _run.log_scalar("loss", 1.0 / (step + 1) + (5.0 if step == 137 else 0.0), step)
        _run.info["notes"] = "sacred wrote this"
        artifact = os.path.join(store, "model.txt")
        with open(artifact, "w") as handle:
            handle.write("weights")
        _run.add_artifact(artifact)
        print("training done")
        if fail:
            raise ValueError("planned failure")
        return lr * 3

    ex.run(options={"--capture": "sys"})
    ex.run(config_updates={"lr": 0.5, "epochs": 3}, options={"--capture": "sys", "--comment": "second"})
    with pytest.raises(ValueError):
        ex.run(config_updates={"fail": True, "epochs": 2}, options={"--capture": "sys"})


@pytest.fixture(scope="module")
def sacred_store(tmp_path_factory) -> str:
    store = str(tmp_path_factory.mktemp("sacred") / "runs")
    _run_sacred_experiments(store)
    return store


@pytest.fixture
def outside_secret(tmp_path) -> str:
    folder = tmp_path / "outside"
    folder.mkdir()
    secret = folder / "secret.txt"
    secret.write_text("do not serve")
    return str(secret)


@pytest.fixture
def crafted_store(jp_root_dir, outside_secret) -> str:
    """A store under the server root with a RUNNING run, a dead run and a symlinked artifact."""
    store = jp_root_dir / "runs"
    for run_id, status, beat in (("1", "RUNNING", "2000-01-01T00:00:00.000000"), ("2", "COMPLETED", None)):
        folder = store / run_id
        folder.mkdir(parents=True)
        run = {"status": status, "experiment": {"name": "crafted"}, "start_time": "2000-01-01T00:00:00.000000",
               "heartbeat": beat, "artifacts": ["link.txt", "plain.txt"], "meta": {"options": {}}}
        (folder / "run.json").write_text(json.dumps(run))
        (folder / "plain.txt").write_text("plain artifact")
        os.symlink(outside_secret, folder / "link.txt")
    os.symlink(os.path.dirname(outside_secret), store / "3")
    return str(store)


@pytest.fixture
def jp_server_config(sacred_store):
    return {
        "ServerApp": {"jpserver_extensions": {"jupyter_sacred.server": True}},
        "SacredRunBrowser": {"stores": [sacred_store, "runs"]},
    }


async def get_json(jp_fetch, *parts, **params):
    response = await jp_fetch("jupyter-sacred", "api", *parts, params=params)
    return json.loads(response.body)


async def fetch_error(jp_fetch, *parts, **kwargs) -> HTTPClientError:
    with pytest.raises(HTTPClientError) as caught:
        await jp_fetch("jupyter-sacred", "api", *parts, **kwargs)
    return caught.value


async def test_stores_list_configured(jp_fetch, sacred_store):
    body = await get_json(jp_fetch, "stores")

    assert [store["path"] for store in body["stores"]][0] == os.path.realpath(sacred_store)
    assert body["stores"][0]["exists"] is True


async def test_runs_list_sacred_store(jp_fetch):
    body = await get_json(jp_fetch, "runs")

    assert body["total"] == 3
    assert [run["id"] for run in body["runs"]] == ["3", "2", "1"]
    assert [run["status"] for run in body["runs"]] == ["FAILED", "COMPLETED", "COMPLETED"]
    assert body["runs"][1]["result"] == 1.5
    assert body["runs"][1]["comment"] == "second"
    assert body["experiments"] == ["sacred_demo"]
    assert all(run["duration"] >= 0 for run in body["runs"])


async def test_runs_list_filter_and_page(jp_fetch):
    failed = await get_json(jp_fetch, "runs", status="FAILED")
    page = await get_json(jp_fetch, "runs", offset="1", limit="1")
    text = await get_json(jp_fetch, "runs", q="second")

    assert [run["id"] for run in failed["runs"]] == ["3"]
    assert page["total"] == 3
    assert [run["id"] for run in page["runs"]] == ["2"]
    assert [run["id"] for run in text["runs"]] == ["2"]


async def test_run_record_sacred(jp_fetch, sacred_store):
    record = await get_json(jp_fetch, "runs", "2", store=sacred_store)

    assert record["config"]["lr"] == 0.5
    assert record["info"]["notes"] == "sacred wrote this"
    assert record["config_updates"] == {"lr": 0.5, "epochs": 3}
    assert record["artifacts"] == [{"name": "model.txt", "size": len("weights")}]
    assert record["sources"] and all(source["available"] for source in record["sources"])
    assert record["run"]["status"] == "COMPLETED"


async def test_run_metrics_reduced(jp_fetch):
    full = await get_json(jp_fetch, "runs", "1", "metrics")
    reduced = await get_json(jp_fetch, "runs", "1", "metrics", points="40")

    loss = full["metrics"][0]
    small = reduced["metrics"][0]
    assert loss["name"] == "loss"
    assert loss["count"] == 300
    assert len(loss["values"]) == 300
    assert small["count"] == 300
    assert len(small["values"]) <= 40
    assert max(small["values"]) == max(loss["values"])
    assert min(small["values"]) == min(loss["values"])
    assert small["steps"][0] == 0
    assert small["steps"][-1] == 299
    assert small["steps"] == sorted(small["steps"])


async def test_run_output_tail(jp_fetch):
    whole = await get_json(jp_fetch, "runs", "1", "output")
    tail = await get_json(jp_fetch, "runs", "1", "output", bytes="5")

    assert "training done" in whole["text"]
    assert whole["truncated"] is False
    assert tail["text"] == whole["text"][-5:]
    assert tail["truncated"] is True


async def test_run_source_text(jp_fetch):
    record = await get_json(jp_fetch, "runs", "1")
    name = record["sources"][0]["name"]

    source = await get_json(jp_fetch, "runs", "1", "source", name=name)

    assert "_run_sacred_experiments" in source["text"]


async def test_artifact_download(jp_fetch):
    response = await jp_fetch("jupyter-sacred", "api", "runs", "1", "artifacts", "model.txt")

    assert response.body == b"weights"
    assert "attachment" in response.headers["Content-Disposition"]


async def test_missing_run_404_json(jp_fetch):
    error = await fetch_error(jp_fetch, "runs", "99")

    assert error.code == 404
    assert "99" in json.loads(error.response.body)["message"]


async def test_unauthenticated_rejected(jp_fetch):
    for parts in (("runs",), ("runs", "1"), ("runs", "1", "artifacts", "model.txt")):
        error = await fetch_error(jp_fetch, *parts, headers={"Authorization": "token wrong"})
        assert error.code in (401, 403), parts


async def test_traversal_rejected(jp_fetch, crafted_store, outside_secret):
    cases = [
        (("runs", "1", "artifacts", "../../../outside/secret.txt"), {"store": "runs"}),
        (("runs", "1", "artifacts", "link.txt"), {"store": "runs"}),
        (("runs", "3"), {"store": "runs"}),
        (("runs", ".."), {"store": "runs"}),
        (("runs",), {"store": "../outside"}),
        (("runs",), {"store": os.path.dirname(outside_secret)}),
    ]
    for parts, params in cases:
        error = await fetch_error(jp_fetch, *parts, params=params)
        assert error.code == 403, (parts, params)
        assert json.loads(error.response.body)["message"], (parts, params)


async def test_absolute_artifact_rejected(http_server_client, jp_base_url, jp_auth_header, crafted_store,
                                          outside_secret):
    # jp_fetch collapses "//", so the absolute name is sent percent-encoded by hand.
    url = f"{jp_base_url}jupyter-sacred/api/runs/1/artifacts/{quote(outside_secret, safe='')}?store=runs"

    with pytest.raises(HTTPClientError) as caught:
        await http_server_client.fetch(url, headers=jp_auth_header)

    assert caught.value.code == 403
    assert "absolute" in json.loads(caught.value.response.body)["message"]


async def test_crafted_store_dead_derived(jp_fetch, crafted_store):
    body = await get_json(jp_fetch, "runs", store="runs")
    plain = await jp_fetch("jupyter-sacred", "api", "runs", "2", "artifacts", "plain.txt", params={"store": "runs"})

    statuses = {run["id"]: run["status"] for run in body["runs"]}
    assert statuses == {"2": "COMPLETED", "1": "DEAD"}
    assert plain.body == b"plain artifact"
