"""What the tutorial tests share: reading printed tensors, replaying random draws, seeding."""

import re

import ember as torch
import numpy as np

NUMBER = re.compile(r"(?<![\w.])-?(?:\d+(?:\.\d*)?(?:e[+-]\d+)?|inf|nan)(?![\w.])")
NODE = r"<{}Backward0 object at 0x[0-9a-fA-F]+>\n"


def seed_everything() -> None:
    torch.manual_seed(0)
    np.random.seed(0)


def echo(value):
    """Show an expression's value as the interactive prompt does."""
    if value is not None:
        print(repr(value))


def layout(text):
    """Printed text with each number written as '#', alignment padding dropped."""
    return re.sub(r"\[ +", "[", re.sub(r" +", " ", NUMBER.sub("#", text)))


def printed_numbers(text):
    return [float(n) for n in NUMBER.findall(text)]


def assert_prints(out, expected_layout, *values):
    """`out` has PyTorch's layout and shows these values, in order, to the printed precision."""
    assert layout(out) == layout(expected_layout)
    expected = np.concatenate([np.asarray(v, dtype=np.float64).ravel() for v in values])
    np.testing.assert_allclose(printed_numbers(out), expected, rtol=1e-4, atol=6e-5)


def replay(monkeypatch, name, *draws):
    """Make ``ember.<name>`` hand out these values in turn (what the text or PyTorch drew)."""
    queue = list(draws)

    def draw(*args, dtype=None, requires_grad=False, **kwargs):
        return torch.tensor(queue.pop(0), dtype=dtype, requires_grad=requires_grad)

    monkeypatch.setattr(torch, name, draw)


def spy(monkeypatch, name):
    """Record, as NumPy arrays, what each call of ``ember.<name>`` returns."""
    drawn, real = [], getattr(torch, name)

    def draw(*args, **kwargs):
        result = real(*args, **kwargs)
        drawn.append(result.detach().numpy().copy())
        return result

    monkeypatch.setattr(torch, name, draw)
    return drawn
