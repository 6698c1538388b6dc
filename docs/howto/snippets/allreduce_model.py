"""What the ring all-reduce model predicts: 2(N-1)/N x bytes / bandwidth per step, for a few models and links."""

MODELS = {  # float32 gradients: 4 bytes per parameter
    "digits MLP 64-128-10": 64 * 128 + 128 + 128 * 10 + 10,
    "MLP 784-256-10": 784 * 256 + 256 + 256 * 10 + 10,
    "ResNet-50": 25_557_032,
}
LINKS = {"10 Gb/s": 10e9 / 8, "100 Gb/s": 100e9 / 8}  # bytes per second
RANKS = (2, 4, 8, 64)


def ring_allreduce_seconds(
    nbytes: float, ranks: int, bandwidth: float
) -> float:
    return 2 * (ranks - 1) / ranks * nbytes / bandwidth


def shown(seconds: float) -> str:
    return (
        f"{seconds * 1e3:.3f} ms"
        if seconds < 0.01
        else f"{seconds * 1e3:.1f} ms"
    )


header = f"{'model':<22} {'gradients':>10} {'link':>9}" + "".join(
    f"{f'N={n}':>11}" for n in RANKS
)
print(header)
print("-" * len(header))
for name, parameters in MODELS.items():
    nbytes = 4 * parameters
    for link, bandwidth in LINKS.items():
        cells = "".join(
            f"{shown(ring_allreduce_seconds(nbytes, n, bandwidth)):>11}"
            for n in RANKS
        )
        print(f"{name:<22} {nbytes / 1e6:>7.2f} MB {link:>9}{cells}")
