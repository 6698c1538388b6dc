"""ember.save to a path: what it does with symlinks, devices, FIFOs, read-only files, hard links, modes,
owners, folders it may not write, and the temporary files of saves killed half-way."""

import io
import os
import pickle
import random
import re
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import threading
import time

import ember
import numpy as np
import pytest

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file system semantics")

ROOT = hasattr(os, "geteuid") and os.geteuid() == 0
NOBODY = 65534
LEFTOVER = re.compile(r"\.ember-save-(?P<host>.+)-(?P<pid>\d+)-[0-9a-f]{8}\.tmp\Z")


def tag_of(path) -> str:
    return ember.load(path)["tag"]


def save_tag(tag: str, path) -> None:
    ember.save({"tag": tag, "w": ember.full((4,), float(len(tag)))}, path)


def leftovers(folder) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.startswith(".ember-save-"))


@pytest.fixture
def folder():
    """A folder that an unprivileged user (nobody, when the tests run as root) may use too."""
    if not ROOT:
        path = tempfile.mkdtemp()
    else:
        path = tempfile.mkdtemp(dir=tempfile.gettempdir())
        os.chmod(path, 0o777)
    yield path
    for inside, folders, _ in os.walk(path):
        for name in folders:
            os.chmod(os.path.join(inside, name), 0o777)
    shutil.rmtree(path)


def owned_by_unprivileged(path) -> None:
    if ROOT:
        os.chown(path, NOBODY, NOBODY)


def as_unprivileged(function):
    """Run function where file permissions apply: in a forked process as nobody when these tests run as root."""
    if not ROOT:
        return function()
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report the result or the exception through the pipe, never return into pytest
        try:
            os.close(read_end)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            try:
                outcome = (True, function())
            except BaseException as error:  # noqa: BLE001 - handed to the parent as it was
                outcome = (False, error)
            os.write(write_end, pickle.dumps(outcome))
        finally:
            os._exit(0)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as stream:
        data = stream.read()
    os.waitpid(pid, 0)
    ok, value = pickle.loads(data)
    if not ok:
        raise value
    return value


# --- what is at the path -----------------------------------------------------------------------


def test_a_regular_file_is_replaced_atomically_keeping_its_mode(folder):
    path = os.path.join(folder, "model.pt")
    save_tag("old", path)
    os.chmod(path, 0o640)
    before = os.stat(path)
    save_tag("new", path)
    after = os.stat(path)
    assert tag_of(path) == "new"
    assert after.st_ino != before.st_ino  # a new file renamed over the old one
    assert stat.S_IMODE(after.st_mode) == 0o640
    assert leftovers(folder) == []


def test_a_symlink_is_written_through_to_the_file_it_names(folder):
    checkpoints = os.path.join(folder, "checkpoints")
    links = os.path.join(folder, "links")
    os.mkdir(checkpoints)
    os.mkdir(links)
    target = os.path.join(checkpoints, "ckpt_100.pt")
    save_tag("step 100", target)
    latest = os.path.join(links, "latest.pt")
    os.symlink(os.path.join("..", "checkpoints", "ckpt_100.pt"), latest)
    chained = os.path.join(folder, "chained.pt")
    os.symlink(latest, chained)
    inode = os.stat(target).st_ino

    save_tag("step 101", latest)
    assert os.path.islink(latest) and os.readlink(latest) == os.path.join("..", "checkpoints", "ckpt_100.pt")
    assert tag_of(target) == "step 101"
    assert os.stat(target).st_ino != inode  # replaced atomically, beside the target
    save_tag("step 102", chained)
    assert os.path.islink(chained) and os.path.islink(latest) and tag_of(target) == "step 102"
    assert leftovers(checkpoints) == leftovers(links) == leftovers(folder) == []


def test_a_dangling_symlink_creates_the_file_it_names(folder):
    link = os.path.join(folder, "latest.pt")
    os.symlink("ckpt_1.pt", link)
    save_tag("first", link)
    assert os.path.islink(link) and tag_of(os.path.join(folder, "ckpt_1.pt")) == "first"


def test_a_fifo_is_written_to_and_stays_a_fifo(folder):
    fifo = os.path.join(folder, "pipe")
    os.mkfifo(fifo)
    received = []
    reader = threading.Thread(target=lambda: received.append(open(fifo, "rb").read()))
    reader.start()
    ember.save({"w": ember.arange(1000.0), "tag": "through a pipe"}, fifo)
    reader.join(timeout=30)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    loaded = ember.load(io.BytesIO(received[0]))
    assert loaded["tag"] == "through a pipe" and loaded["w"].tolist() == list(np.arange(1000.0))
    assert leftovers(folder) == []


def test_a_device_is_written_to_not_replaced(folder):
    if ROOT:  # a private copy of /dev/null, so that a regression cannot replace the real one
        device = os.path.join(folder, "null")
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    else:
        device = os.devnull
    before = os.stat(device)
    save_tag("nowhere", device)
    after = os.stat(device)
    assert stat.S_ISCHR(after.st_mode) and after.st_rdev == before.st_rdev and after.st_ino == before.st_ino
    assert leftovers(os.path.dirname(device)) == []


def test_hard_links_keep_seeing_the_saved_file(folder):
    path = os.path.join(folder, "model.pt")
    other = os.path.join(folder, "also_model.pt")
    save_tag("old", path)
    os.link(path, other)
    save_tag("new", path)
    assert os.stat(path).st_ino == os.stat(other).st_ino and os.stat(path).st_nlink == 2
    assert tag_of(other) == "new"


def test_a_folder_is_refused(folder):
    with pytest.raises(IsADirectoryError, match="is a folder"):
        save_tag("x", folder)


def test_a_missing_folder_raises_runtime_error_naming_it(folder):
    missing = os.path.join(folder, "runs", "today")
    with pytest.raises(RuntimeError, match=re.escape(repr(missing)) + " does not exist.*os.makedirs"):
        save_tag("x", os.path.join(missing, "model.pt"))


# --- permissions ------------------------------------------------------------------------------------


def test_a_new_file_gets_the_umask_mode_and_the_umask_is_never_touched(folder, monkeypatch):
    previous = os.umask(0o027)
    try:

        def forbidden(mask):
            raise AssertionError("ember.save changed the process umask")

        monkeypatch.setattr(os, "umask", forbidden)
        path = os.path.join(folder, "new.pt")
        save_tag("new", path)
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    finally:
        monkeypatch.undo()
        os.umask(previous)


def test_a_read_only_file_is_refused(folder):
    path = os.path.join(folder, "frozen.pt")
    save_tag("kept", path)
    os.chmod(path, 0o444)
    owned_by_unprivileged(path)

    def attempt():
        try:
            save_tag("overwritten", path)
        except PermissionError as error:
            return str(error)
        return None

    message = as_unprivileged(attempt)
    assert message is not None and "read-only" in message and "frozen.pt" in message
    assert tag_of(path) == "kept" and stat.S_IMODE(os.stat(path).st_mode) == 0o444
    assert leftovers(folder) == []


def test_a_writable_file_in_a_read_only_folder_is_written_in_place(folder):
    locked = os.path.join(folder, "locked")
    os.mkdir(locked)
    path = os.path.join(locked, "model.pt")
    save_tag("old", path)
    owned_by_unprivileged(path)
    os.chmod(locked, 0o555)
    inode = os.stat(path).st_ino

    as_unprivileged(lambda: save_tag("new", path))
    assert tag_of(path) == "new" and os.stat(path).st_ino == inode


def test_a_new_file_in_a_read_only_folder_names_the_folder(folder):
    locked = os.path.join(folder, "locked")
    os.mkdir(locked)
    os.chmod(locked, 0o555)

    def attempt():
        try:
            save_tag("x", os.path.join(locked, "model.pt"))
        except PermissionError as error:
            return str(error)
        return None

    message = as_unprivileged(attempt)
    assert message is not None and f"cannot create a file in {locked!r}" in message


@pytest.mark.skipif(not ROOT, reason="needs files of two owners")
def test_the_owner_is_kept_when_root_replaces_a_file(folder):
    path = os.path.join(folder, "theirs.pt")
    save_tag("old", path)
    os.chown(path, NOBODY, NOBODY)
    os.chmod(path, 0o600)
    inode = os.stat(path).st_ino
    save_tag("new", path)
    after = os.stat(path)
    assert (after.st_uid, after.st_gid, stat.S_IMODE(after.st_mode)) == (NOBODY, NOBODY, 0o600)
    assert after.st_ino != inode and tag_of(path) == "new"


@pytest.mark.skipif(not ROOT, reason="needs files of two owners")
def test_a_file_whose_owner_cannot_be_kept_is_written_in_place(folder):
    path = os.path.join(folder, "shared.pt")
    save_tag("old", path)
    os.chown(path, 0, NOBODY)
    os.chmod(path, 0o664)  # nobody may write it through its group, but could not give a new file to root
    inode = os.stat(path).st_ino
    as_unprivileged(lambda: save_tag("new", path))
    after = os.stat(path)
    assert (after.st_uid, after.st_gid, after.st_ino) == (0, NOBODY, inode) and tag_of(path) == "new"


# --- interrupted saves ---------------------------------------------------------------------------------

_DIE_BEFORE_RENAME = """
import os, sys
import ember
os.replace = lambda *args: os._exit(0)
ember.save({"tag": "never", "w": ember.ones(10)}, sys.argv[1])
"""


def test_leftovers_of_dead_saves_are_removed_and_those_of_live_ones_kept(folder):
    path = os.path.join(folder, "model.pt")
    save_tag("old", path)
    subprocess.run([sys.executable, "-c", _DIE_BEFORE_RENAME, path], check=True, capture_output=True)
    (dead,) = leftovers(folder)
    match = LEFTOVER.match(dead)
    assert match is not None and match["pid"] != str(os.getpid())
    host = match["host"]
    live = f".ember-save-{host}-{os.getpid()}-0123abcd.tmp"
    other_host = f".ember-save-elsewhere-{match['pid']}-0123abcd.tmp"
    unknown = ".ember-save-k3j2_x9q.tmp"  # no pid: nothing says whose it is
    for name in (live, other_host, unknown):
        open(os.path.join(folder, name), "wb").close()
    assert tag_of(path) == "old"

    save_tag("new", path)
    assert leftovers(folder) == sorted([live, other_host, unknown])
    assert tag_of(path) == "new"


_SAVE_FOREVER = """
import sys
import ember
path = sys.argv[1]
contents = [{"tag": tag, "w": ember.full((1 << 21,), float(n))} for n, tag in enumerate(["A", "B"], start=1)]
print("saving", flush=True)
n = 0
while True:
    ember.save(contents[n % 2], path)
    n += 1
"""


def test_a_save_killed_at_random_points_leaves_a_whole_checkpoint_and_no_lasting_leftovers(folder):
    path = os.path.join(folder, "model.pt")
    ember.save({"tag": "start", "w": ember.zeros(1 << 21)}, path)
    expected_value = {"start": 0.0, "A": 1.0, "B": 2.0}
    rng = random.Random(11)
    seen_tags, kills_leaving_a_file = set(), 0
    for _ in range(8):
        child = subprocess.Popen(
            [sys.executable, "-c", _SAVE_FOREVER, path], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )
        assert child.stdout.readline() == b"saving\n"
        time.sleep(rng.uniform(0.0, 0.25))
        child.send_signal(signal.SIGKILL)
        child.wait()
        child.stdout.close()
        left = leftovers(folder)
        assert all(LEFTOVER.match(name)["pid"] == str(child.pid) for name in left)
        kills_leaving_a_file += bool(left)
        loaded = ember.load(path)
        seen_tags.add(loaded["tag"])
        assert loaded["w"].shape == (1 << 21,)
        assert np.all(loaded["w"].numpy() == expected_value[loaded["tag"]])
    assert kills_leaving_a_file > 0, "no kill landed during a write: the test proved nothing"
    assert seen_tags & {"A", "B"}
    ember.save({"tag": "after", "w": ember.zeros(1)}, path)
    assert leftovers(folder) == [] and tag_of(path) == "after"
