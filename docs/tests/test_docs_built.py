"""The built site has what each page promises: the tutorials' printed output and figures,
the downloads, the how-to guides' command output, the API reference, and links to NumPy.

Run after the build (``nox -s docs`` does both):

    sphinx-build -W --keep-going -b html docs docs/_build/html
    pytest docs/tests
"""

from __future__ import annotations

import re
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1]
HTML = DOCS / "_build" / "html"

if not (HTML / "index.html").exists():
    pytest.skip(
        f"{HTML} is missing: build the site first (sphinx-build -b html docs docs/_build/html, or nox -s docs)",
        allow_module_level=True,
    )

sys.path.insert(0, str(DOCS / "_ext"))
import api_pages  # noqa: E402

#: For each tutorial page: strings its printed output must contain, and how many figures it has.
TUTORIALS: dict[str, tuple[list[str], int]] = {
    "01_tensors": (
        [
            "tensor([[1, 2],\n        [3, 4]])",
            "tensor([[0, 0, 0],",  # zeros of type long
            "dtype=ember.float64)",  # new_ones(..., dtype=torch.double)
            "ember.Size([5, 3])",
            "ember.Size([4, 4]) ember.Size([16]) ember.Size([2, 8])",
            "<class 'ember.Tensor'>",
            "<class 'numpy.ndarray'>",
            "tensor([[ 7, 10],\n        [15, 22]])",  # x.mm(y)
            "data3--> tensor([[19, 22],",
            "ember.float64",
            "[[2. 2.]\n [2. 2.]]",  # the NumPy array changed with the tensor
            "tensor([2., 2., 2., 2., 2.], dtype=ember.float64)",
            "mydata6.shape---> ember.Size([4, 5, 3])",
            "ember.Size([2, 2, 3])",  # cat along dim 0
            "30",
        ],
        0,
    ),
    "02_autograd": (
        [
            "tensor(2., grad_fn=<MeanBackward0>)",
            "tensor([[0.2500, 0.2500],\n        [0.2500, 0.2500]])",
            "tensor([[3., 3.],\n        [3., 3.]])",
            "tensor([[3., 3.],\n        [3., 3.]], grad_fn=<AddBackward0>)",
            "<AddBackward0 object at 0x",
            "z= tensor([[27., 27.],\n        [27., 27.]], grad_fn=<MulBackward0>)",
            "out= tensor(27., grad_fn=<MeanBackward0>)",
            "<SumBackward0 object at 0x",
            "tensor([[4.5000, 4.5000],\n        [4.5000, 4.5000]])",
            "grad_fn=<MulBackward0>)",
            "gradient of W: tensor(80.)",
            "gradient of b tensor(16.)",
        ],
        0,
    ),
    "03_nn_and_optim": (
        [
            "net_name(\n  (fc): Linear(in_features=1, out_features=1, bias=True)\n)",
            "Net(\n  (hidden): Linear(in_features=4, out_features=5, bias=True)\n"
            "  (out): Linear(in_features=5, out_features=3, bias=True)\n)",
            "hidden.weight ember.Size([5, 4])",
            "iterations per epoch: 100",
            "[16, 16, 16, 16, 16, 16, 4]",
            "grad_fn=<MseLossBackward0>",
        ],
        0,
    ),
    "04_linear_regression": (
        [
            "Epoch[20/1000], loss:",
            "Epoch[1000/1000], loss:",
            "('fc.weight', Parameter containing:",
        ],
        2,
    ),
    "05_dataloader_regression": (
        [
            "predictions: tensor([290., 350., 410.]",
            "loss: tensor(2766.6667",
            "7 [16, 16, 16, 16, 16, 16, 4]",
        ],
        2,
    ),
    "06_digits_classifier": (
        [
            "ember.Size([1437, 64])",
            "Conv2d(1, 16, kernel_size=(3, 3)",
            "15/15 epochs",
            "MLP test accuracy: 0.9",
        ],
        4,
    ),
    "07_gpu": (
        [
            "CuPy is not installed",
            "RuntimeError: cuda:0 was requested, but CUDA is not available",
            "tensor([[1., 1.],\n        [1., 1.]], device='cuda:0')",
            "tensor([1.4549], device='cuda:0')",
            "tensor([1.4549], dtype=ember.float64)",
        ],
        0,
    ),
}


class Page(HTMLParser):
    """The parts of a built page the tests read: code-output text, image sources, links."""

    def __init__(self, path: Path) -> None:
        super().__init__(convert_charrefs=True)
        self.outputs: list[str] = []
        self.images: list[str] = []
        self.links: list[str] = []
        self.text: list[str] = []
        self._output_depth: int | None = None
        self._depth = 0
        self.feed(path.read_text(encoding="utf-8"))

    def handle_starttag(
        self, tag: str, attrs: list[tuple[str, str | None]]
    ) -> None:
        attributes = dict(attrs)
        if tag not in ("img", "br", "meta", "link", "input", "hr"):
            self._depth += 1
        classes = (attributes.get("class") or "").split()
        if "sphx-glr-script-out" in classes and self._output_depth is None:
            self._output_depth = self._depth
            self.outputs.append("")
        if tag == "img" and attributes.get("src"):
            self.images.append(attributes["src"])
        if tag == "a" and attributes.get("href"):
            self.links.append(attributes["href"])

    def handle_endtag(self, tag: str) -> None:
        if self._output_depth is not None and self._depth == self._output_depth:
            self._output_depth = None
        self._depth -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._output_depth is not None:
            self.outputs[-1] += data

    @property
    def all_output(self) -> str:
        return "\n".join(self.outputs).replace("\r", "\n")

    @property
    def all_text(self) -> str:
        return "".join(self.text)


def page(relative: str) -> Page:
    path = HTML / relative
    assert path.exists(), f"{relative} was not built"
    return Page(path)


@pytest.mark.parametrize("name", list(TUTORIALS))
def test_tutorial_shows_its_printed_output(name: str) -> None:
    built = page(f"auto_tutorials/{name}.html")
    expected, _ = TUTORIALS[name]
    missing = [text for text in expected if text not in built.all_output]
    assert not missing, f"{name}: printed output not on the page: {missing}"


@pytest.mark.parametrize("name", list(TUTORIALS))
def test_tutorial_shows_its_figures(name: str) -> None:
    built = page(f"auto_tutorials/{name}.html")
    _, count = TUTORIALS[name]
    figures = [
        src for src in built.images if "sphx_glr_" in src and "thumb" not in src
    ]
    assert len(figures) == count, (
        f"{name}: {len(figures)} figures on the page, expected {count}: {figures}"
    )
    for src in figures:
        image = (HTML / "auto_tutorials" / src).resolve()
        assert image.is_file() and image.stat().st_size > 1000, (
            f"{name}: figure {src} is not in the build"
        )


@pytest.mark.parametrize("name", list(TUTORIALS))
def test_tutorial_downloads_as_script_and_notebook(name: str) -> None:
    built = page(f"auto_tutorials/{name}.html")
    downloads = [link for link in built.links if "_downloads/" in link]
    for suffix in (".py", ".ipynb"):
        found = [link for link in downloads if link.endswith(f"{name}{suffix}")]
        assert found, f"{name}: no {suffix} download link"
        assert (HTML / "auto_tutorials" / found[0]).resolve().is_file(), (
            f"{name}: {found[0]} is not in the build"
        )


def test_tutorials_ran_without_errors() -> None:
    for name in TUTORIALS:
        built = page(f"auto_tutorials/{name}.html")
        assert "Traceback (most recent call last)" not in built.all_text, (
            f"{name} shows a traceback"
        )


def test_every_tutorial_source_is_checked_here() -> None:
    sources = sorted(path.stem for path in (DOCS / "tutorials").glob("*.py"))
    assert sources == sorted(TUTORIALS), (
        "a tutorial was added or removed: update TUTORIALS"
    )


def test_landing_page_links_every_tutorial_and_guide() -> None:
    links = page("index.html").links
    for name in TUTORIALS:
        assert f"auto_tutorials/{name}.html" in links, (
            f"the landing page does not link {name}"
        )
    for guide in (
        "installing",
        "coming_from_pytorch",
        "saving_and_loading",
        "several_processes",
        "writing_a_backend",
    ):
        assert f"howto/{guide}.html" in links, (
            f"the landing page does not link the {guide} guide"
        )


@pytest.mark.parametrize("module", list(api_pages.MODULES))
def test_api_page_documents_the_module(module: str) -> None:
    built = page(f"api/{module}.html")
    anchors = set(
        re.findall(
            r'id="([^"]+)"',
            (HTML / f"api/{module}.html").read_text(encoding="utf-8"),
        )
    )
    documented = [a for a in anchors if a.startswith(f"{module}.")]
    assert documented, f"api/{module}.html documents nothing"
    assert "failed to import" not in built.all_text


@pytest.mark.parametrize(
    ("module", "names"),
    [
        (
            "ember",
            [
                "tensor",
                "zeros",
                "add",
                "matmul",
                "cat",
                "save",
                "load",
                "manual_seed",
            ],
        ),
        (
            "ember.autograd",
            ["backward", "grad", "Function", "gradcheck", "no_grad"],
        ),
        (
            "ember.nn",
            [
                "Module",
                "Linear",
                "Conv2d",
                "MSELoss",
                "CrossEntropyLoss",
                "Sequential",
            ],
        ),
        (
            "ember.nn.functional",
            ["relu", "cross_entropy", "mse_loss", "conv2d", "log_softmax"],
        ),
        ("ember.optim", ["SGD", "Adam", "Optimizer"]),
        (
            "ember.utils.data",
            [
                "DataLoader",
                "TensorDataset",
                "Dataset",
                "random_split",
                "DistributedSampler",
            ],
        ),
        (
            "ember.distributed",
            ["init_process_group", "all_reduce", "ReduceOp", "Backend"],
        ),
        ("ember.nn.parallel", ["DistributedDataParallel"]),
        ("ember.backends", ["Backend", "NumpyLikeBackend", "KERNELS", "use"]),
        ("ember.testing", ["assert_close"]),
        ("ember.testing.conformance", ["BackendConformance"]),
    ],
)
def test_api_pages_reach_key_members(module: str, names: list[str]) -> None:
    text = (HTML / f"api/{module}.html").read_text(encoding="utf-8")
    missing = [name for name in names if f'id="{module}.{name}"' not in text]
    assert not missing, f"not documented on api/{module}.html: {missing}"


def test_tensor_page_documents_its_methods() -> None:
    text = (HTML / "api/ember.Tensor.html").read_text(encoding="utf-8")
    for method in (
        "backward",
        "add_",
        "view",
        "numpy",
        "to",
        "detach",
        "requires_grad_",
    ):
        assert f'id="ember.Tensor.{method}"' in text, (
            f"Tensor.{method} is not documented"
        )


def test_distributed_guide_shows_two_processes_training_and_the_plot() -> None:
    built = page("howto/several_processes.html")
    text = " ".join(built.all_text.split())
    assert (
        "$ python -m ember.distributed.run -n 2 snippets/ddp_digits.py" in text
    )
    assert (
        "2 process(es), each training on 720 of 1440 samples per epoch" in text
    )
    assert re.search(r"epoch 10: loss 0\.\d+, test accuracy 0\.9\d\d", text)
    assert re.search(r"ResNet-50 102\.23 MB 10 Gb/s 81\.8 ms", text)
    assert any("plot_ddp_losses" in src for src in built.images)


def test_guides_show_real_command_output() -> None:
    installing = page("howto/installing.html").all_text
    assert "Backends:" in installing and "numpy (device type cpu" in installing
    backend = page("howto/writing_a_backend.html").all_text
    assert re.search(r"\d+ passed", backend), (
        "the conformance run's summary is missing"
    )
    assert "double backend: tensor(100000.)" in backend
    assert 'double = "ember_double"' in backend, "the entry point is not shown"
    saving = " ".join(page("howto/saving_and_loading.html").all_text.split())
    assert "same predictions: True" in saving
    assert "is a pickle file" in saving
    errors = " ".join(page("howto/coming_from_pytorch.html").all_text.split())
    assert (
        "don't broadcast" in errors
        and "Use tensor.detach().numpy() instead" in errors
    )


def test_links_to_numpy_and_cupy_resolve_offline() -> None:
    links = page("howto/writing_a_backend.html").links
    assert (
        "https://numpy.org/doc/stable/reference/generated/numpy.ndarray.html#numpy.ndarray"
        in links
    )
    assert (
        "https://docs.cupy.dev/en/stable/reference/generated/cupy.ndarray.html#cupy.ndarray"
        in links
    )
