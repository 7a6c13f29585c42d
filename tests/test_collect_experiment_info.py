"""Experiment info (sources, dependencies, repositories) compared with Sacred 0.8.7."""

from __future__ import annotations

import hashlib
import importlib
import importlib.metadata
import os
import sys
import types
import uuid

import pytest

from jupyter_sacred.collect import (
    PackageDependency,
    format_dependencies,
    gather_experiment_info,
    md5_of_bytes,
    md5_of_file,
)

sacred_dependencies = pytest.importorskip("sacred.dependencies")
sacred_commands = pytest.importorskip("sacred.commands")


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A project folder with a main file and a local package, importable under a unique name."""
    package = "jsproj_" + uuid.uuid4().hex[:8]
    root = tmp_path / "project"
    (root / package / "models").mkdir(parents=True)
    (root / package / "__init__.py").write_text("")
    (root / package / "util.py").write_text("def helper():\n    return 1\n")
    (root / package / "models" / "__init__.py").write_text("")
    (root / package / "models" / "net.py").write_text("class Net:\n    pass\n")
    (root / "data.py").write_text("ROWS = 3\n")
    (root / "train.py").write_text("print('train')\n")
    monkeypatch.syspath_prepend(str(root))
    before = set(sys.modules)
    yield types.SimpleNamespace(root=root, package=package)
    for name in set(sys.modules) - before:
        if name.startswith(package) or name == "data":
            del sys.modules[name]


def sacred_sources(strategy, globs, base_dir):
    found = strategy(globs, str(base_dir), False)
    return [list(source.to_json(str(base_dir))) for source in sorted(found)]


def test_imported_sources_match_sacred(project):
    util = importlib.import_module(f"{project.package}.util")
    net = importlib.import_module(f"{project.package}.models.net")
    globs = {"util": util, "Net": net.Net, "os": os}

    info = gather_experiment_info(
        "demo", base_dir=project.root, discovery_globals=globs, save_git_info=False,
        discover_dependencies="none",
    )

    expected = sacred_sources(sacred_dependencies.get_sources_from_imported_modules, globs, project.root)
    assert info["sources"] == expected
    assert len(expected) == 4  # package, util, models package, net


def test_local_module_named_like_stdlib(project):
    # Sacred skips a local module called "data" because that name is on its
    # list of standard modules; we keep it.
    data = importlib.import_module("data")

    info = gather_experiment_info("demo", base_dir=project.root, discovery_globals={"data": data}, save_git_info=False)

    assert info["sources"] == [["data.py", md5_of_file(project.root / "data.py")]]


def test_sys_sources_match_sacred(project):
    importlib.import_module(f"{project.package}.util")

    info = gather_experiment_info(
        "demo", base_dir=project.root, discovery_globals={}, discover_sources="sys", save_git_info=False,
        discover_dependencies="none",
    )

    expected = sacred_sources(sacred_dependencies.get_sources_from_sys_modules, {}, project.root)
    assert info["sources"] == expected
    assert [path for path, _ in info["sources"]] == [f"{project.package}/__init__.py", f"{project.package}/util.py"]


def test_dir_sources_match_sacred(project):
    (project.root / project.package / "__pycache__").mkdir()
    (project.root / project.package / "__pycache__" / "stale.py").write_text("")

    info = gather_experiment_info("demo", base_dir=project.root, discover_sources="dir", save_git_info=False)

    expected = sacred_sources(sacred_dependencies.get_sources_from_local_dir, {}, project.root)
    assert info["sources"] == expected
    assert len(info["sources"]) == 6


def test_dir_sources_skip_virtualenv(project):
    venv = project.root / ".venv"
    (venv / "lib").mkdir(parents=True)
    (venv / "pyvenv.cfg").write_text("home = /usr/bin\n")
    (venv / "lib" / "installed.py").write_text("")

    info = gather_experiment_info("demo", base_dir=project.root, discover_sources="dir", save_git_info=False)

    assert not any(path.startswith(".venv") for path, _ in info["sources"])


def test_mainfile_and_extra_sources(project):
    extra = project.root / "data.py"

    info = gather_experiment_info(
        "demo", base_dir=project.root, mainfile=project.root / "train.py", extra_sources=[extra],
        discover_sources="none", save_git_info=False,
    )

    assert info["mainfile"] == "train.py"
    assert info["sources"] == [
        ["data.py", md5_of_file(extra)],
        ["train.py", md5_of_file(project.root / "train.py")],
    ]


def test_missing_source_file(project):
    with pytest.raises(ValueError, match="nothere.py"):
        gather_experiment_info("demo", base_dir=project.root, extra_sources=[project.root / "nothere.py"])


def test_interactive_sources(project):
    history = b"import numpy as np\nx = np.ones(3)\n"

    info = gather_experiment_info(
        "demo", base_dir=project.root, mainfile=project.root / "train.py", discover_sources="none",
        save_git_info=False, interactive_sources=[("_notebook_history.py", history)],
    )

    assert info["sources"][-1] == ["_notebook_history.py", hashlib.md5(history).hexdigest()]
    assert info["mainfile"] == "train.py"


def test_info_keys(project):
    info = gather_experiment_info("demo", base_dir=project.root)

    assert list(info) == ["name", "base_dir", "sources", "dependencies", "repositories", "mainfile"]
    assert info["name"] == "demo"
    assert info["base_dir"] == str(project.root)
    assert info["mainfile"] is None


def test_imports_after_first_run_seen(project):
    globs = {}
    first = gather_experiment_info("demo", base_dir=project.root, discovery_globals=globs, save_git_info=False)
    globs["util"] = importlib.import_module(f"{project.package}.util")

    second = gather_experiment_info("demo", base_dir=project.root, discovery_globals=globs, save_git_info=False)

    assert first["sources"] == []
    assert [path for path, _ in second["sources"]] == [f"{project.package}/__init__.py", f"{project.package}/util.py"]


def test_edited_file_rehashed(project):
    main = project.root / "train.py"
    first = gather_experiment_info("demo", base_dir=project.root, mainfile=main, save_git_info=False)
    main.write_text("print('train for longer')\n")

    second = gather_experiment_info("demo", base_dir=project.root, mainfile=main, save_git_info=False)

    assert second["sources"] != first["sources"]
    assert second["sources"] == [["train.py", md5_of_file(main)]]


def test_pyc_mainfile_mapped_to_py(project):
    info = gather_experiment_info(
        "demo", base_dir=project.root, mainfile=str(project.root / "train.pyc"), save_git_info=False,
    )

    assert info["mainfile"] == "train.py"


IMPORTED_PACKAGES = ["numpy", "yaml", "pandas", "git", "jsonpickle", "sklearn", "IPython", "traitlets", "packaging"]


def without_top_level_txt(dependency: str) -> bool:
    name = dependency.partition("==")[0]
    return importlib.metadata.distribution(name).read_text("top_level.txt") is None


def test_dependencies_match_sacred(project):
    globs = {name: importlib.import_module(name) for name in IMPORTED_PACKAGES}
    globs["helper"] = importlib.import_module(f"{project.package}.util").helper

    ours = gather_experiment_info("demo", base_dir=project.root, discovery_globals=globs, save_git_info=False)

    sacred = sacred_dependencies.get_dependencies_from_imported_modules(globs, str(project.root))
    for dep in sacred:
        dep.fill_missing_version()
    # Sacred spells a name as the installer spelled the .dist-info folder; we
    # use the distribution's metadata Name (PyYAML), so compare ignoring case.
    sacred_found = {dep.to_json().lower() for dep in sacred}
    ours_found = {dep.lower() for dep in ours["dependencies"]}
    assert sacred_found <= ours_found
    # The rest are distributions Sacred cannot map because they have no
    # top_level.txt; we map them through their installed file lists.
    extra = [dep for dep in ours["dependencies"] if dep.lower() not in sacred_found and not dep.startswith("numpy==")]
    assert extra, "expected some dependencies without top_level.txt in this environment"
    assert all(without_top_level_txt(dep) for dep in extra), extra
    assert ours["dependencies"] == sorted(ours["dependencies"], key=str.lower)
    assert any(dep.startswith("PyYAML==") for dep in ours["dependencies"])
    assert any(dep.startswith("scikit-learn==") for dep in ours["dependencies"])


def test_sys_dependencies_cover_sacred(project):
    ours = gather_experiment_info(
        "demo", base_dir=project.root, discover_sources="none", discover_dependencies="sys", save_git_info=False,
    )

    sacred = sacred_dependencies.get_dependencies_from_sys_modules({}, str(project.root))
    # We also find distributions without top_level.txt (through their file
    # lists), so Sacred's set is a subset of ours.
    assert {dep.to_json().lower() for dep in sacred} <= {dep.lower() for dep in ours["dependencies"]}


def test_pkg_dependencies_match_sacred(project):
    ours = gather_experiment_info(
        "demo", base_dir=project.root, discover_sources="none", discover_dependencies="pkg", save_git_info=False,
    )

    sacred = sacred_dependencies.get_dependencies_from_pkg({}, str(project.root))
    assert {dep.name.lower() for dep in sacred} == {dep.partition("==")[0].lower() for dep in ours["dependencies"]}


def test_numpy_always_included(project):
    info = gather_experiment_info("demo", base_dir=project.root, discover_dependencies="none", save_git_info=False)

    assert [dep.partition("==")[0] for dep in info["dependencies"]] == ["numpy"]


def test_local_package_not_a_dependency(project):
    package = importlib.import_module(project.package)

    info = gather_experiment_info("demo", base_dir=project.root, discovery_globals={"pkg": package}, save_git_info=False)

    assert not any(dep.startswith(project.package) for dep in info["dependencies"])
    assert [path for path, _ in info["sources"]] == [f"{project.package}/__init__.py"]


def test_extra_dependency_sorted(project):
    info = gather_experiment_info(
        "demo", base_dir=project.root, discover_dependencies="none", save_git_info=False,
        extra_dependencies=[("Zebra", "1.0"), PackageDependency("alpha", "2.0rc1")],
    )

    names = [dep.partition("==")[0] for dep in info["dependencies"]]
    assert names == ["alpha", "numpy", "Zebra"]
    assert "Zebra==1.0" in info["dependencies"]


@pytest.mark.parametrize("version", ["latest", "1.0-beta-x", "", "1..2"])
def test_extra_dependency_invalid_version(project, version):
    with pytest.raises(ValueError, match="PEP 440"):
        gather_experiment_info("demo", base_dir=project.root, extra_dependencies=[("mylib", version)])


def test_invalid_discovery_mode(project):
    with pytest.raises(ValueError, match="discover_sources"):
        gather_experiment_info("demo", base_dir=project.root, discover_sources="everything")


def test_md5_helpers(tmp_path):
    data = os.urandom(3 * 1024 * 1024 + 17)  # spans several 1 MiB blocks
    path = tmp_path / "blob.bin"
    path.write_bytes(data)

    assert md5_of_bytes(data) == hashlib.md5(data).hexdigest()
    assert md5_of_file(path) == hashlib.md5(data).hexdigest()
    assert md5_of_file(path) == sacred_dependencies.get_digest(str(path))


def sacred_print_dependencies(experiment_info, capsys) -> str:
    capsys.readouterr()
    sacred_commands.print_dependencies(types.SimpleNamespace(experiment_info=experiment_info))
    return capsys.readouterr().out


def test_format_dependencies_matches_sacred(capsys):
    info = {
        "dependencies": ["numpy==1.26.4", "a-very-long-package-name-indeed==0.1", "sacred==<unknown>"],
        "sources": [["train.py", "0c2aba70507102f8d88fcb5a8acf32ef"], ["util/" + "x" * 50 + ".py", "4e19"]],
        "repositories": [
            {"url": "git@example.org:ana/proj.git", "commit": "4f1c0e9b", "dirty": True},
            {"url": "git:/home/ana/other", "commit": "99aa", "dirty": False},
        ],
    }

    assert format_dependencies(info) == sacred_print_dependencies(info, capsys)
    assert "\x1b[31mM git@example.org" in format_dependencies(info)


def test_format_dependencies_no_repositories(capsys):
    info = {"dependencies": [], "sources": [], "repositories": []}

    assert format_dependencies(info) == sacred_print_dependencies(info, capsys)
    assert "Version Control" not in format_dependencies(info)


def test_repositories_in_info(project, monkeypatch):
    git = pytest.importorskip("git")
    for variable in ("GIT_AUTHOR_NAME", "GIT_COMMITTER_NAME"):
        monkeypatch.setenv(variable, "Test Author")
    for variable in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL"):
        monkeypatch.setenv(variable, "author@example.org")
    repo = git.Repo.init(project.root)
    repo.index.add(["train.py", "data.py"])
    repo.index.commit("Add experiment")

    info = gather_experiment_info(
        "demo", base_dir=project.root, mainfile=project.root / "train.py", extra_sources=[project.root / "data.py"],
    )

    assert info["repositories"] == [
        {"url": "git:/" + str(project.root), "commit": repo.head.commit.hexsha, "dirty": False}
    ]
    repo.close()


def test_ipython_namespace(project):
    from conftest import interactive_shell

    ip = interactive_shell()
    ip.run_line_magic("reset", "-f")
    ip.run_cell(f"import yaml\nfrom {project.package} import util\nclass Model:\n    pass\n", store_history=True)
    history = "\n".join(ip.user_ns["In"][1:]).encode()

    info = gather_experiment_info(
        "notebook", base_dir=project.root, discovery_globals=ip.user_ns, save_git_info=False,
        interactive_sources=[("_notebook_cells.py", history)],
    )
    ip.run_line_magic("reset", "-f")

    assert any(dep.startswith("PyYAML==") for dep in info["dependencies"])
    assert [path for path, _ in info["sources"]] == [
        f"{project.package}/__init__.py", f"{project.package}/util.py", "_notebook_cells.py",
    ]
    assert info["sources"][-1][1] == hashlib.md5(history).hexdigest()
    assert info["mainfile"] is None


def test_declared_dependency_replaces_discovered(project):
    info = gather_experiment_info(
        "demo", base_dir=project.root, discover_dependencies="none", save_git_info=False,
        extra_dependencies=[("NumPy", "1.0")],
    )

    assert info["dependencies"] == ["NumPy==1.0"]
