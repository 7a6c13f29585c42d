"""Host info compared with Sacred 0.8.7's sacred.host_info."""

from __future__ import annotations

import logging
import os
import stat
import sys
import textwrap

import pytest

from jupyter_sacred.collect import (
    HostInfoGetter,
    IgnoreHostInfo,
    check_additional_host_info,
    get_host_info,
    host_info_gatherer,
)

sacred_host_info = pytest.importorskip("sacred.host_info")

NVIDIA_SMI_XML = """<?xml version="1.0" ?>
<!DOCTYPE nvidia_smi_log SYSTEM "nvsmi_device_v12.dtd">
<nvidia_smi_log>
  <timestamp>Fri Dec  4 12:00:00 2026</timestamp>
  <driver_version>535.104.05</driver_version>
  <cuda_version>12.2</cuda_version>
  <attached_gpus>2</attached_gpus>
  <gpu id="00000000:01:00.0">
    <product_name>NVIDIA A100-SXM4-40GB</product_name>
    <persistence_mode>Enabled</persistence_mode>
    <fb_memory_usage>
      <total>40960 MiB</total>
      <used>4 MiB</used>
    </fb_memory_usage>
  </gpu>
  <gpu id="00000000:02:00.0">
    <product_name>NVIDIA A100-SXM4-40GB MIG 1g.5gb</product_name>
    <persistence_mode>Disabled</persistence_mode>
    <fb_memory_usage>
      <total>Insufficient Permissions</total>
    </fb_memory_usage>
    <mig_devices>
      <mig_device>
        <fb_memory_usage>
          <total>4864 MiB</total>
        </fb_memory_usage>
      </mig_device>
    </mig_devices>
  </gpu>
</nvidia_smi_log>
"""


def install_fake_nvidia_smi(folder, monkeypatch, *, stdout: str, exit_code: int = 0) -> None:
    """Put an ``nvidia-smi`` script first on PATH that prints ``stdout`` and exits with ``exit_code``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "output.xml").write_text(stdout)
    script = folder / "nvidia-smi"
    script.write_text(
        textwrap.dedent(
            f"""\
            #!{sys.executable}
            import sys
            sys.stdout.write(open({str(folder / "output.xml")!r}).read())
            sys.exit({exit_code})
            """
        )
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}{os.environ['PATH']}")


@pytest.fixture
def no_nvidia_smi(monkeypatch, tmp_path):
    """Leave only a PATH folder without nvidia-smi, plus what the tests need."""
    monkeypatch.setenv("PATH", str(tmp_path / "empty-bin"))


def test_defaults_match_sacred():
    ours = get_host_info()
    sacred = sacred_host_info.get_host_info()

    for key in ("hostname", "os", "python_version", "cpu", "ENV"):
        assert ours[key] == sacred[key], key
    assert ("gpus" in ours) == ("gpus" in sacred)


def test_default_key_order():
    assert list(get_host_info(include_gpu=False)) == ["hostname", "os", "python_version", "cpu", "gpus", "ENV"]


def test_cpu_read_without_subprocess(monkeypatch):
    import subprocess

    from jupyter_sacred.collect import host

    def forbidden(*args, **kwargs):
        raise AssertionError(f"subprocess started: {args}")

    expected = sacred_host_info._get_cpu_by_proc_cpuinfo()
    host.get_cpu_model.cache_clear()
    monkeypatch.setattr(subprocess, "check_output", forbidden)
    monkeypatch.setattr(subprocess, "Popen", forbidden)
    try:
        cpu = host.get_cpu_model()
    finally:
        host.get_cpu_model.cache_clear()

    assert cpu == expected


def test_cpu_and_gpu_flags_off():
    host_info = get_host_info(include_cpu=False, include_gpu=False)

    assert host_info["cpu"] is None
    assert host_info["gpus"] is None


def test_captured_env_only_set_variables(monkeypatch):
    monkeypatch.setenv("JS_TEST_SET", "value 1")
    monkeypatch.delenv("JS_TEST_UNSET", raising=False)
    monkeypatch.setattr(sacred_host_info.SETTINGS.HOST_INFO, "CAPTURED_ENV", ["JS_TEST_SET", "JS_TEST_UNSET"])

    ours = get_host_info(captured_env=["JS_TEST_SET", "JS_TEST_UNSET"])

    assert ours["ENV"] == {"JS_TEST_SET": "value 1"}
    assert ours["ENV"] == sacred_host_info.get_host_info()["ENV"]


def test_gpus_absent_without_nvidia_smi(no_nvidia_smi):
    assert "gpus" not in get_host_info()


def test_gpus_from_fake_nvidia_smi(monkeypatch, tmp_path):
    install_fake_nvidia_smi(tmp_path / "bin", monkeypatch, stdout=NVIDIA_SMI_XML)

    ours = get_host_info()["gpus"]

    assert ours == sacred_host_info._gpus()
    assert ours["driver_version"] == "535.104.05"
    assert [gpu["total_memory"] for gpu in ours["gpus"]] == [40960, 4864]
    assert [gpu["persistence_mode"] for gpu in ours["gpus"]] == [True, False]


def test_gpus_absent_when_nvidia_smi_fails(monkeypatch, tmp_path):
    install_fake_nvidia_smi(tmp_path / "bin", monkeypatch, stdout="", exit_code=9)

    assert "gpus" not in get_host_info()


def test_gpus_absent_on_bad_xml(monkeypatch, tmp_path, caplog):
    install_fake_nvidia_smi(tmp_path / "bin", monkeypatch, stdout="<nvidia_smi_log><gpu>")

    with caplog.at_level(logging.WARNING, logger="jupyter_sacred.collect.host"):
        host_info = get_host_info()

    assert "gpus" not in host_info
    assert "cannot parse" in caplog.text


def test_nvidia_smi_queried_once(monkeypatch, tmp_path):
    folder = tmp_path / "bin"
    install_fake_nvidia_smi(folder, monkeypatch, stdout=NVIDIA_SMI_XML)
    first = get_host_info()["gpus"]

    # A second run in the same process reuses the first output.
    (folder / "output.xml").write_text("garbage")
    second = get_host_info()["gpus"]

    assert second == first


def test_custom_gatherer_added_first():
    @host_info_gatherer("gpu_count")
    def gpu_count():
        return 3

    host_info = get_host_info([gpu_count])

    assert isinstance(gpu_count, HostInfoGetter)
    assert gpu_count.name == "gpu_count"
    assert host_info["gpu_count"] == 3
    assert next(iter(host_info)) == "gpu_count"
    assert sacred_host_info.get_host_info([sacred_host_info.HostInfoGetter(lambda: 3, "gpu_count")])["gpu_count"] == 3


def test_custom_gatherer_ignored():
    @host_info_gatherer("scheduler_job")
    def scheduler_job():
        raise IgnoreHostInfo()

    assert "scheduler_job" not in get_host_info([scheduler_job])


def test_custom_gatherer_error_names_getter():
    @host_info_gatherer("broken")
    def broken():
        raise RuntimeError("sensor offline")

    with pytest.raises(RuntimeError, match="sensor offline") as info:
        get_host_info([broken])

    if sys.version_info >= (3, 11):
        assert any("'broken'" in note for note in info.value.__notes__)


def test_clash_with_default_key():
    clash = host_info_gatherer("hostname")(lambda: "other")

    with pytest.raises(KeyError, match="hostname"):
        check_additional_host_info([clash])
    with pytest.raises(KeyError, match="hostname"):
        get_host_info([clash])
    # Sacred rejects the same getter.
    with pytest.raises(KeyError):
        sacred_host_info.check_additional_host_info([sacred_host_info.HostInfoGetter(lambda: "other", "hostname")])


def test_duplicate_additional_names():
    first = host_info_gatherer("cluster")(lambda: 1)
    second = host_info_gatherer("cluster")(lambda: 2)

    with pytest.raises(KeyError, match="cluster"):
        check_additional_host_info([first, second])


def test_plain_function_rejected():
    with pytest.raises(TypeError, match="host_info_gatherer"):
        check_additional_host_info([lambda: 1])
