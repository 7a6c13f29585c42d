"""Git state of source folders compared with Sacred 0.8.7's get_commit_if_possible."""

from __future__ import annotations

import sys

import pytest

git = pytest.importorskip("git")
sacred_dependencies = pytest.importorskip("sacred.dependencies")

from jupyter_sacred.collect import collect_repositories, get_repository_info  # noqa: E402


@pytest.fixture
def repo(tmp_path, monkeypatch):
    """A git repository with one commit of train.py and util/data.py."""
    for variable, value in {
        "GIT_AUTHOR_NAME": "Test Author",
        "GIT_AUTHOR_EMAIL": "author@example.org",
        "GIT_COMMITTER_NAME": "Test Author",
        "GIT_COMMITTER_EMAIL": "author@example.org",
    }.items():
        monkeypatch.setenv(variable, value)

    work_tree = tmp_path / "project"
    (work_tree / "util").mkdir(parents=True)
    (work_tree / "train.py").write_text("print('train')\n")
    (work_tree / "util" / "data.py").write_text("DATA = 1\n")
    repository = git.Repo.init(work_tree)
    repository.index.add(["train.py", "util/data.py"])
    repository.index.commit("Add experiment")
    yield repository
    repository.close()


def sacred_info(path):
    url, commit, dirty = sacred_dependencies.get_commit_if_possible(str(path), True)
    return {"url": url, "commit": commit, "dirty": dirty}


def test_clean_repo_matches_sacred(repo):
    train = repo.working_tree_dir + "/train.py"

    info = get_repository_info(train)

    assert info == sacred_info(train)
    assert info["commit"] == repo.head.commit.hexsha
    assert info["dirty"] is False
    assert info["url"] == "git:/" + repo.working_tree_dir


def test_dirty_repo_matches_sacred(repo):
    train = repo.working_tree_dir + "/train.py"
    with open(train, "a") as source:
        source.write("print('changed')\n")

    info = get_repository_info(train)

    assert info["dirty"] is True
    assert info == sacred_info(train)


def test_untracked_file_not_dirty(repo):
    with open(repo.working_tree_dir + "/notes.txt", "w") as notes:
        notes.write("scratch\n")

    assert get_repository_info(repo.working_tree_dir)["dirty"] is False


def test_origin_url(repo):
    repo.create_remote("origin", "git@example.org:ana/proj.git")
    nested = repo.working_tree_dir + "/util/data.py"

    info = get_repository_info(nested)

    assert info["url"] == "git@example.org:ana/proj.git"
    assert info == sacred_info(nested)


def test_no_repository(tmp_path):
    outside = tmp_path / "loose.py"
    outside.write_text("x = 1\n")

    assert get_repository_info(outside) is None


def test_repository_without_commit(tmp_path):
    git.Repo.init(tmp_path / "empty").close()

    assert get_repository_info(tmp_path / "empty") is None


def test_gitpython_missing(repo, monkeypatch):
    monkeypatch.setitem(sys.modules, "git", None)

    assert get_repository_info(repo.working_tree_dir) is None


def test_repositories_listed_once(repo):
    root = repo.working_tree_dir
    files = [root + "/train.py", root + "/util/data.py"]

    repositories = collect_repositories(files)

    assert repositories == [sacred_info(files[0])]
