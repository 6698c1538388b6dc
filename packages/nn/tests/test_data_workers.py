"""DataLoader with worker processes: same batches, per-worker seeds, crashes reported, no hangs, clean exits."""

import multiprocessing
import os
import signal
import time

import ember
import numpy as np
import pytest
from ember.utils.data import DataLoader, Dataset, IterableDataset, TensorDataset, get_worker_info


def worker_children():
    return [p for p in multiprocessing.active_children() if p.name.startswith("ember DataLoader worker")]


def data(n=50):
    return TensorDataset(ember.arange(n * 2.0).reshape(n, 2), ember.arange(n))


class WhoLoads(Dataset):
    """Each sample says which worker loaded it, with that worker's seed and a draw from ember's stream."""

    def __getitem__(self, index):
        info = get_worker_info()
        return {
            "index": index,
            "worker": info.id,
            "workers": info.num_workers,
            "seed": info.seed,
            "draw": ember.rand(1).item(),
            "pid": os.getpid(),
        }

    def __len__(self):
        return 8


class FailsAt(Dataset):
    def __init__(self, bad, how):
        self.bad, self.how = bad, how

    def __getitem__(self, index):
        if index == self.bad:
            if self.how == "raise":
                raise ValueError(f"corrupt record {index}")
            os._exit(3)
        return index

    def __len__(self):
        return 64


class Slow(Dataset):
    def __getitem__(self, index):
        time.sleep(30)
        return index

    def __len__(self):
        return 4


class Shards(IterableDataset):
    """Each worker streams its own slice, as PyTorch's docs recommend."""

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, 20, step))


def test_workers_give_the_same_batches_as_the_main_process():
    def batches(workers):
        loader = DataLoader(
            data(), batch_size=8, shuffle=True, num_workers=workers, generator=ember.Generator().manual_seed(11)
        )
        return [[(x.numpy().copy(), y.numpy().copy()) for x, y in loader] for _ in range(2)]

    here, there = batches(0), batches(2)
    assert len(there[0]) == 7 and [len(y) for _, y in there[0]][-1] == 2
    for epoch_here, epoch_there in zip(here, there):
        for (xh, yh), (xt, yt) in zip(epoch_here, epoch_there):
            assert xt.dtype == xh.dtype and yt.dtype == yh.dtype
            np.testing.assert_array_equal(xt, xh)
            np.testing.assert_array_equal(yt, yh)
    assert [y.tolist() for _, y in here[0]] != [y.tolist() for _, y in here[1]]
    assert worker_children() == []


def test_each_worker_has_its_own_seed_and_info():
    assert get_worker_info() is None
    batch = next(iter(DataLoader(WhoLoads(), batch_size=2, num_workers=2)))
    samples = list(DataLoader(WhoLoads(), batch_size=None, num_workers=2))
    assert batch["index"].tolist() == [0, 1]
    by_worker = {s["worker"]: s for s in samples}
    assert sorted(by_worker) == [0, 1] and all(s["workers"] == 2 for s in samples)
    assert [s["worker"] for s in samples] == [0, 1] * 4  # round robin, results kept in order
    assert by_worker[0]["seed"] + 1 == by_worker[1]["seed"]
    assert by_worker[0]["draw"] != by_worker[1]["draw"]
    assert by_worker[0]["pid"] != by_worker[1]["pid"] != os.getpid()


def test_worker_init_fn_runs_in_each_worker():
    class InitSeen(Dataset):
        def __getitem__(self, index):
            return os.environ.get("EMBER_TEST_WORKER", "unset")

        def __len__(self):
            return 4

    def init(worker_id):
        os.environ["EMBER_TEST_WORKER"] = f"worker {worker_id}"

    seen = list(DataLoader(InitSeen(), batch_size=None, num_workers=2, worker_init_fn=init))
    assert seen == ["worker 0", "worker 1"] * 2


def test_an_exception_in_a_worker_names_the_worker_and_the_index():
    loader = DataLoader(FailsAt(37, "raise"), batch_size=4, num_workers=2)
    started = time.monotonic()
    with pytest.raises(ValueError) as caught:
        list(loader)
    message = str(caught.value)
    assert "DataLoader worker process 1" in message and "dataset index 37" in message
    assert "corrupt record 37" in message and "Traceback" in message
    assert time.monotonic() - started < 10
    assert worker_children() == []


def test_a_worker_that_dies_is_reported_instead_of_hanging():
    loader = DataLoader(FailsAt(37, "exit"), batch_size=4, num_workers=2)
    started = time.monotonic()
    with pytest.raises(RuntimeError, match=r"worker 1 \(pid \d+\) exited unexpectedly with exit code 3") as caught:
        list(loader)
    assert "dataset index 37" in str(caught.value)
    assert time.monotonic() - started < 10
    assert worker_children() == []


def test_timeout_raises_instead_of_waiting_forever():
    loader = DataLoader(Slow(), batch_size=2, num_workers=1, timeout=0.5)
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="timed out after 0.5 seconds"):
        next(iter(loader))
    assert time.monotonic() - started < 10
    assert worker_children() == []


def test_iterable_dataset_with_workers_streams_every_item_once():
    loader = DataLoader(Shards(), batch_size=3, num_workers=2)
    items = [v for batch in loader for v in batch.tolist()]
    assert sorted(items) == list(range(20))


def test_persistent_workers_survive_epochs_and_reshuffle():
    loader = DataLoader(data(), batch_size=10, shuffle=True, num_workers=2, persistent_workers=True)
    first = [y.tolist() for _, y in loader]
    pids = {p.pid for p in worker_children()}
    second = [y.tolist() for _, y in loader]
    assert len(pids) == 2 and {p.pid for p in worker_children()} == pids
    assert sorted(sum(first, [])) == sorted(sum(second, [])) == list(range(50)) and first != second
    loader._workers.shut_down()
    assert worker_children() == []


def test_abandoning_an_epoch_stops_its_workers():
    iterator = iter(DataLoader(data(), batch_size=5, num_workers=2))
    next(iterator)
    assert len(worker_children()) == 2
    del iterator
    deadline = time.monotonic() + 10
    while worker_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert worker_children() == []


def test_batches_cross_as_arrays_not_pickled_tensors(monkeypatch):
    def refuse(self, protocol):
        raise AssertionError("a tensor was pickled")

    monkeypatch.setattr(ember.Tensor, "__reduce_ex__", refuse)
    batches = list(DataLoader(data(10), batch_size=4, num_workers=2))
    assert [y.tolist() for _, y in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert batches[0][0].dtype is ember.float32 and not batches[0][0].requires_grad


def test_a_key_error_in_a_worker_keeps_a_readable_message():
    class MissingKey(Dataset):
        def __getitem__(self, index):
            return {}["label"]

        def __len__(self):
            return 2

    with pytest.raises(KeyError) as caught:
        next(iter(DataLoader(MissingKey(), num_workers=1)))
    text = str(caught.value)
    assert text.startswith("Caught KeyError in DataLoader worker process 0 while loading dataset index 0.\n")
    assert "\\n" not in text and "KeyError: 'label'" in text


def test_a_persistent_worker_killed_between_epochs_is_reported_then_replaced():
    loader = DataLoader(data(), batch_size=10, num_workers=2, persistent_workers=True)
    assert len(list(loader)) == 5
    victim = loader._workers.processes[1]
    os.kill(victim.pid, signal.SIGKILL)
    victim.join(10)
    with pytest.raises(
        RuntimeError,
        match=rf"worker 1 \(pid {victim.pid}\) exited unexpectedly with exit code -9 \(killed by SIGKILL\) between epochs",
    ):
        iter(loader)
    assert worker_children() == []
    assert len(list(loader)) == 5  # a new epoch starts new workers
    assert victim.pid not in {p.pid for p in worker_children()}
    loader._workers.shut_down()
