"""Mistakes PyTorch users know, and what ember says about them."""

import textwrap

import ember as torch

mistakes = {
    "shapes that don't broadcast": lambda: torch.ones(2, 3) + torch.ones(4),
    "a matrix product of the wrong shapes": lambda: (
        torch.ones(2, 3) @ torch.ones(2, 3)
    ),
    ".numpy() on a tensor that requires grad": lambda: torch.ones(
        2, requires_grad=True
    ).numpy(),
    "view() of a non-contiguous tensor": lambda: torch.ones(2, 3).t().view(6),
    "backward() of a non-scalar": lambda: (
        torch.ones(2, requires_grad=True) * 2
    ).backward(),
}
for what, mistake in mistakes.items():
    try:
        mistake()
    except RuntimeError as error:
        message = textwrap.fill(f"RuntimeError: {error}", 76)
        print(f"{what}:\n{textwrap.indent(message, '    ')}\n")
