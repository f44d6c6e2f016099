"""Faults: a build killed with SIGKILL, a corrupt or missing index, and recovery without a restart.

These tests run their own server on their own copy of the fixture project (state and site), since
they break its index on purpose.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import Server, copy_kb

pytestmark = pytest.mark.xdist_group("faults")

# Runs `level0 ARGS` with one step slowed down, so a test can kill it in the middle of that step:
# "index" sleeps before each page is added to the index, "vectors" marks the generation directory
# with a file `encoding` and sleeps before the vectors are written (after the Whoosh files),
# "publish" sleeps before a finished generation is made current (after the model or
# index files are written).
SLOW_BUILD = """
import sys, time
import kb_search.indexer as indexer
import kb_search.publish as publish
step = sys.argv[1]
if step == "index":
    add_page = indexer.add_page
    def slow_add_page(*args, **kwargs):
        time.sleep(0.5)
        add_page(*args, **kwargs)
    indexer.add_page = slow_add_page
elif step == "vectors":
    write_vectors = indexer.write_vectors
    def slow_write_vectors(directory, *args, **kwargs):
        (directory / "encoding").touch()
        time.sleep(60)
        return write_vectors(directory, *args, **kwargs)
    indexer.write_vectors = slow_write_vectors
else:
    fsync_tree = publish._fsync_tree
    def slow_fsync_tree(root):
        time.sleep(30)
        fsync_tree(root)
    publish._fsync_tree = slow_fsync_tree
from triage.cli import main
main(sys.argv[2:])
"""


@pytest.fixture(scope="module")
def fault_settings(trained_state, tmp_path_factory: pytest.TempPathFactory):
    """A built copy of the fixture project with its own state and site, and a copy of the trained model."""
    from kb_search.build import build_site

    root = tmp_path_factory.mktemp("faults")
    config = copy_kb(root / "project", plugin={"synonyms": "synonyms.txt"})
    settings = trained_state.model_copy(
        update={
            "config_file": config,
            "docs_dir": root / "project" / "docs",
            "site_dir": root / "site",
            "state_dir": root / "state",
        }
    )
    build_site(config, site_dir=settings.site_dir, state_dir=settings.state_dir)
    model = trained_state.model_dir.resolve(strict=True)
    shutil.copytree(model, settings.state_dir / model.name)
    os.symlink(model.name, settings.state_dir / "model")
    return settings


@pytest.fixture(scope="module")
def fault_server(fault_settings):
    running = Server(fault_settings, fault_settings.state_dir.parent / "server.log")
    yield running
    running.stop()


def call(server, path: str, body: dict | None = None) -> tuple[int, dict]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        server.url + path, data=data, headers={"Content-Type": "application/json"} if data else {}
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        with error:
            return error.code, json.loads(error.read())


def assert_serving(server) -> None:
    status, health = call(server, "/healthz")
    assert status == 200, health
    status, found = call(server, "/api/search?q=drucker")
    assert status == 200 and found["hits"], found
    status, answer = call(server, "/api/triage", {"description": "Der Drucker druckt nicht"})
    assert status == 200 and answer["articles"], answer


def level0(server, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "triage", *args, "-f", str(server.process.args[server.process.args.index("-f") + 1])],
        env=server.env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def partials(state_dir: Path, name: str) -> list[Path]:
    return sorted(state_dir.glob(f".{name}-*.partial"))


@pytest.fixture
def start_slow(fault_server, fault_settings) -> Iterator[Callable[..., subprocess.Popen]]:
    """Start `level0 ARGS` with STEP slowed down (see SLOW_BUILD); at teardown none is left running.

    A build that a failed test left behind would publish into the state the next tests use, its
    .partial directory would fail their checks, and its pipe, collected later, would fail an
    unrelated test with a ResourceWarning: teardown kills it, closes the pipe, removes the partials.
    """
    config = str(fault_server.process.args[fault_server.process.args.index("-f") + 1])
    started: list[subprocess.Popen] = []

    def start(step: str, *args: str) -> subprocess.Popen:
        process = subprocess.Popen(
            [sys.executable, "-c", SLOW_BUILD, step, *args, "-f", config],
            env=fault_server.env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait(timeout=30)
        process.stderr.close()
    for partial in fault_settings.state_dir.glob(".*-*.partial"):
        shutil.rmtree(partial)


def wait_for_partial(state_dir: Path, name: str, process: subprocess.Popen, timeout: float = 120) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = partials(state_dir, name)
        if found and any(found[0].iterdir()):
            return found[0]
        if process.poll() is not None:
            raise AssertionError(f"the build ended before writing: {process.stderr.read().decode()[-500:]}")
        time.sleep(0.05)
    raise AssertionError(f"no .{name}-*.partial directory appeared in {state_dir}")


def kill_hard(process: subprocess.Popen) -> None:
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    process.stderr.close()
    assert process.returncode == -signal.SIGKILL


def test_build_killed_while_indexing_leaves_the_previous_index_serving(fault_server, fault_settings, start_slow):
    state = fault_settings.state_dir
    assert_serving(fault_server)
    before = (state / "index").resolve(strict=True)
    build = start_slow("index", "build", "--no-model")
    partial = wait_for_partial(state, "index", build)
    time.sleep(0.6)  # a page or two into the index
    kill_hard(build)

    assert (state / "index").resolve(strict=True) == before
    assert partial.is_dir()  # the interrupted build's directory, never made current
    assert_serving(fault_server)

    # The next build succeeds and is served without a restart.
    done = level0(fault_server, "build", "--no-model")
    assert done.returncode == 0, done.stderr
    after = (state / "index").resolve(strict=True)
    assert after != before
    assert_serving(fault_server)
    status, health = call(fault_server, "/healthz")
    assert health["index"]["ok"]

    # A build leaves a young .partial alone (it may belong to a build still running) and removes
    # one older than an hour.
    assert partial.is_dir()
    old = time.time() - 2 * 3600
    os.utime(partial, (old, old))
    done = level0(fault_server, "build", "--no-model")
    assert done.returncode == 0, done.stderr
    assert not partial.exists()
    assert partials(state, "index") == []
    assert len(list(state.glob(".index-*"))) <= 3  # GENERATIONS_KEPT


def test_build_killed_before_the_vectors_are_written_leaves_the_previous_pair_serving(
    fault_server, fault_settings, start_slow
):
    state = fault_settings.state_dir
    before = (state / "index").resolve(strict=True)
    build = start_slow("vectors", "build", "--no-model")
    partial = wait_for_partial(state, "index", build)
    deadline = time.monotonic() + 120
    while not (partial / "encoding").exists():
        assert time.monotonic() < deadline and build.poll() is None, "the build never reached the vectors"
        time.sleep(0.05)
    kill_hard(build)

    assert (state / "index").resolve(strict=True) == before
    assert not (partial / "vectors.npz").exists()
    assert_serving(fault_server)
    # The generation still serving holds the vectors built with its index: a word found only by
    # its meaning still finds its page.
    status, found = call(fault_server, "/api/search?q=Kassenzettel")
    assert status == 200 and [hit["path"] for hit in found["hits"]][:1] == ["howto/formulare.md"], found


def test_training_killed_before_publishing_leaves_the_previous_model_serving(fault_server, fault_settings, start_slow):
    state = fault_settings.state_dir
    before = (state / "model").resolve(strict=True)
    train = start_slow("publish", "train")
    partial = wait_for_partial(state, "model", train, timeout=240)
    kill_hard(train)

    assert (state / "model").resolve(strict=True) == before
    assert partial.is_dir()  # the killed training's model, never made current
    assert_serving(fault_server)
    status, health = call(fault_server, "/healthz")
    assert status == 200 and health["model"]["ok"]


def point_index_at(state_dir: Path, generation: Path) -> None:
    """Publish a generation the way publish_directory does: swap the symlink atomically."""
    link = state_dir / ".index.link-test"
    os.symlink(generation.name, link)
    os.replace(link, state_dir / "index")


def empty_generation(current: Path) -> None:
    for entry in current.iterdir():
        entry.unlink()


def truncated_segment(current: Path) -> None:
    segment = next(current.glob("*.seg"))
    segment.write_bytes(segment.read_bytes()[: segment.stat().st_size // 2])


def garbled_segment(current: Path) -> None:
    segment = next(current.glob("*.seg"))
    data = bytearray(segment.read_bytes())
    middle = len(data) // 3
    data[middle : middle + 200] = b"\xab" * 200
    segment.write_bytes(bytes(data))


def garbled_vectors(current: Path) -> None:
    vectors = current / "vectors.npz"
    data = bytearray(vectors.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 64] = b"\x00" * 64
    vectors.write_bytes(bytes(data))


def missing_vectors(current: Path) -> None:
    (current / "vectors.npz").unlink()


def garbled_vocabulary(current: Path) -> None:
    (current / "vocabulary.json").write_text("{", encoding="utf-8")


DAMAGE = [
    pytest.param(empty_generation, id="empty directory"),
    pytest.param(garbled_vocabulary, id="vocabulary not JSON"),
    pytest.param(garbled_vectors, id="vectors garbled"),
    pytest.param(missing_vectors, id="vectors missing"),
    pytest.param(
        truncated_segment,
        id="segment truncated",
    ),
    pytest.param(
        garbled_segment,
        id="segment garbled",
    ),
]


@pytest.mark.parametrize("damage", DAMAGE)
def test_corrupt_index_gives_503_and_recovers_after_a_rebuild(fault_server, fault_settings, damage):
    state = fault_settings.state_dir
    assert_serving(fault_server)
    current = (state / "index").resolve(strict=True)
    broken = state / ".index-broken"
    shutil.rmtree(broken, ignore_errors=True)
    shutil.copytree(current, broken)
    damage(broken)
    point_index_at(state, broken)
    try:
        status, health = call(fault_server, "/healthz")
        assert status == 503 and health["status"] == "unavailable" and not health["index"]["ok"], health
        assert health["model"]["ok"]
        status, error = call(fault_server, "/api/search?q=drucker")
        assert status == 503 and error["error"]["code"] == "index_unavailable", error
        # Triage still answers from the model, without articles.
        status, answer = call(fault_server, "/api/triage", {"description": "Der Drucker druckt nicht"})
        assert status == 200 and answer["articles"] == [], answer
    finally:
        done = level0(fault_server, "build", "--no-model")
        assert done.returncode == 0, done.stderr
        shutil.rmtree(broken, ignore_errors=True)
    assert_serving(fault_server)


def test_missing_index_link_gives_503_and_recovers_after_a_rebuild(fault_server, fault_settings):
    state = fault_settings.state_dir
    assert_serving(fault_server)
    (state / "index").unlink()
    try:
        status, health = call(fault_server, "/healthz")
        assert status == 503 and not health["index"]["ok"]
        status, error = call(fault_server, "/api/search?q=drucker")
        assert status == 503 and error["error"]["code"] == "index_unavailable"
    finally:
        done = level0(fault_server, "build", "--no-model")
        assert done.returncode == 0, done.stderr
    assert_serving(fault_server)
