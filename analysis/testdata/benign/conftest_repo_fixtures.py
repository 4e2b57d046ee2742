"""Shared pytest fixtures for the repository-tooling tests (conftest.py).

Fixtures build throwaway git repositories under ``tmp_path`` with a fixed
author and date, so tests of the changelog, branch report and CODEOWNERS
tools run against real ``git`` without touching the developer's own
configuration: HOME and GIT_CONFIG_GLOBAL point into the temporary
directory, and every git call is an argument list.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

GIT = shutil.which("git")
FIXED_DATE = "2024-05-01T12:00:00+00:00"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "needs_git: the test runs the git binary")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    if GIT:
        return
    skip = pytest.mark.skip(reason="git is not installed")
    for item in items:
        if "needs_git" in item.keywords:
            item.add_marker(skip)


@dataclass
class Repo:
    path: Path
    env: dict[str, str]

    def git(self, *args: str, check: bool = True) -> str:
        proc = subprocess.run(["git", *args], cwd=self.path, env=self.env, capture_output=True,
                              text=True, timeout=30)
        if check and proc.returncode != 0:
            raise AssertionError(f"git {' '.join(args)} failed: {proc.stderr}")
        return proc.stdout

    def write(self, rel: str, text: str) -> Path:
        p = self.path / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text), encoding="utf-8")
        return p

    def commit(self, message: str, *files: str, date: str = FIXED_DATE) -> str:
        self.git("add", *(files or ["-A"]))
        env_date = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date}
        proc = subprocess.run(["git", "commit", "-q", "-m", message], cwd=self.path,
                              env={**self.env, **env_date}, capture_output=True, text=True, timeout=30)
        if proc.returncode != 0:
            raise AssertionError(proc.stderr)
        return self.git("rev-parse", "HEAD").strip()

    def tag(self, name: str) -> None:
        self.git("tag", "-a", name, "-m", name)

    def branch(self, name: str, start: str = "HEAD") -> None:
        self.git("branch", name, start)


@pytest.fixture
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """HOME and git's global config inside tmp_path; nothing of the user's leaks in."""
    home = tmp_path / "home"
    home.mkdir()
    gitconfig = home / ".gitconfig"
    gitconfig.write_text("[user]\n\tname = Test Author\n\temail = author@example.org\n"
                         "[init]\n\tdefaultBranch = main\n[commit]\n\tgpgsign = false\n", encoding="utf-8")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", str(gitconfig))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.delenv("GIT_DIR", raising=False)
    monkeypatch.delenv("GIT_WORK_TREE", raising=False)
    return home


@pytest.fixture
def repo(tmp_path: Path, isolated_home: Path) -> Iterator[Repo]:
    path = tmp_path / "repo"
    path.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_") or k.startswith("GIT_CONFIG")}
    env.update({"LC_ALL": "C", "TZ": "UTC"})
    r = Repo(path, env)
    r.git("init", "-q")
    r.write("README.md", "# demo\n")
    r.commit("docs: start the project")
    yield r


@pytest.fixture
def repo_with_history(repo: Repo) -> Repo:
    repo.write("src/app.py", "print('v1')\n")
    repo.commit("feat(app): first version")
    repo.tag("v1.0.0")
    repo.write("src/app.py", "print('v2')\n")
    repo.commit("fix(app): print the right version\n\nCloses #12")
    repo.write("docs/guide.md", "guide\n")
    repo.commit("docs: add a guide")
    repo.write("src/api.py", "API = 2\n")
    repo.commit("feat(api)!: new API\n\nBREAKING CHANGE: the old API is gone")
    return repo


@pytest.fixture
def codeowners(repo_with_history: Repo) -> Repo:
    repo_with_history.write(".github/CODEOWNERS", """\
        *           @example/everyone
        /src/       @example/core
        /docs/      @example/docs @ann
    """)
    repo_with_history.commit("ci: add CODEOWNERS")
    return repo_with_history


@pytest.fixture
def teams_file(tmp_path: Path) -> Path:
    p = tmp_path / "teams.json"
    p.write_text(json.dumps({"org": "example", "teams": ["everyone", "core", "docs"], "users": ["ann"]}))
    return p


@pytest.fixture
def run_tool(tmp_path: Path):
    """Run a tool script with this interpreter; returns the CompletedProcess."""

    def run(script: Path, *args: str, cwd: Path | None = None, env: dict | None = None):
        return subprocess.run([sys.executable, str(script), *args], cwd=cwd or tmp_path,
                              env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=120)

    return run


# --- self-checks of the fixtures -----------------------------------------------

@pytest.mark.needs_git
def test_repo_fixture_has_one_commit(repo: Repo):
    assert repo.git("rev-list", "--count", "HEAD").strip() == "1"
    assert repo.git("config", "user.email").strip() == "author@example.org"


@pytest.mark.needs_git
def test_history_fixture(repo_with_history: Repo):
    log = repo_with_history.git("log", "--format=%s").splitlines()
    assert log[0] == "feat(api)!: new API"
    assert "v1.0.0" in repo_with_history.git("tag")


@pytest.mark.needs_git
def test_dates_are_fixed(repo_with_history: Repo):
    dates = set(repo_with_history.git("log", "--format=%cI").split())
    assert dates == {FIXED_DATE}


def test_isolated_home_does_not_touch_the_real_one(isolated_home: Path):
    assert Path(os.environ["HOME"]) == isolated_home
    assert os.environ["GIT_CONFIG_GLOBAL"].startswith(str(isolated_home))


def test_teams_file(teams_file: Path):
    assert json.loads(teams_file.read_text())["org"] == "example"


def test_run_tool_uses_this_interpreter(tmp_path: Path, run_tool):
    script = tmp_path / "hello.py"
    script.write_text("import sys; print(sys.executable)")
    proc = run_tool(script)
    assert proc.returncode == 0
    assert proc.stdout.strip() == sys.executable


@pytest.mark.needs_git
def test_branch_helper(repo: Repo):
    repo.branch("feature/x")
    assert "feature/x" in repo.git("branch", "--list")


@pytest.mark.needs_git
def test_codeowners_fixture(codeowners: Repo):
    text = (codeowners.path / ".github" / "CODEOWNERS").read_text()
    assert text.splitlines()[1].split() == ["/src/", "@example/core"]


@pytest.mark.needs_git
def test_commit_returns_the_new_head(repo: Repo):
    repo.write("notes.txt", "one\n")
    sha = repo.commit("docs: notes")
    assert sha == repo.git("rev-parse", "HEAD").strip()
    assert len(sha) == 40


@pytest.mark.needs_git
def test_write_dedents(repo: Repo):
    p = repo.write("a/b.txt", """\
        indented
          more
    """)
    assert p.read_text(encoding="utf-8") == "indented\n  more\n"
