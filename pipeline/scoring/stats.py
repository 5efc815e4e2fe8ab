"""Confidence intervals and paired differences for eval metrics: pure functions over per-prompt data.

The unit of resampling is the **prompt**: the samples of one prompt are correlated (same question,
same model), so resampling single completions would understate the uncertainty. Each metric is
given per prompt as a ``(sum, count)`` pair (pass@k: the prompt's unbiased pass@k and 1; a mean
over samples: the prompt's sum and its number of scored samples), and the estimate is the pooled
ratio ``sum(sums) / sum(counts)``, so a resample reproduces the headline value's own definition.

- :func:`bootstrap_ci`: percentile bootstrap of that ratio over prompts (seeded, numpy);
- :func:`paired_diff`: model A minus model B over the prompts both answered, each resample drawing
  the same prompts for both (a paired bootstrap), so prompt difficulty cancels out;
- :func:`wilson`: Wilson score interval for a rate of independent trials;
- :func:`significant`: a difference counts only when its interval excludes 0.

    ci = bootstrap_ci({"p1": (1.0, 1), "p2": (0.0, 1)}, seed=0)       # (lo, hi)
    d = paired_diff(per_prompt_a, per_prompt_b, seed=0)               # PairedDiff(diff, ci, n_prompts)
    significant(d.ci)

Not in the paper (V3.2 reports point estimates); an engineering choice for small eval sets.
"""
from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass
from typing import Mapping, Sequence

PerPrompt = Mapping[str, tuple[float, float]]  # prompt id -> (sum, count)
Interval = tuple[float, float]

N_BOOT = 2000
LEVEL = 0.95


@dataclass(frozen=True)
class PairedDiff:
    diff: float          # estimate(A) - estimate(B) over the shared prompts
    ci: Interval
    n_prompts: int       # prompts both models answered

    @property
    def significant(self) -> bool:
        return significant(self.ci)


def sub_seed(seed: int, *names: str) -> int:
    """A stable seed per (seed, names): independent streams per metric, identical across runs."""
    digest = hashlib.sha256(":".join([str(seed), *names]).encode()).digest()
    return int.from_bytes(digest[:8], "little")


def estimate(per_prompt: PerPrompt) -> float | None:
    count = sum(c for _, c in per_prompt.values())
    return sum(s for s, _ in per_prompt.values()) / count if count > 0 else None


def _arrays(per_prompt: PerPrompt, ids: Sequence[str]):
    import numpy as np

    return (np.array([per_prompt[i][0] for i in ids], dtype=float),
            np.array([per_prompt[i][1] for i in ids], dtype=float))


def _resampled_ratio(sums, counts, idx):
    import numpy as np

    den = counts[idx].sum(axis=1)
    return np.divide(sums[idx].sum(axis=1), den, out=np.full(den.shape, np.nan), where=den > 0)


def _interval(values, level: float) -> Interval:
    import numpy as np

    values = values[~np.isnan(values)]
    tail = (1.0 - level) / 2 * 100
    lo, hi = np.percentile(values, [tail, 100 - tail])
    return float(lo), float(hi)


def _check(n_boot: int, level: float) -> None:
    if n_boot < 1 or not 0 < level < 1:
        raise ValueError(f"bootstrap needs n_boot >= 1 and 0 < level < 1, got n_boot={n_boot}, level={level}")


def bootstrap_ci(per_prompt: PerPrompt, seed: int, n_boot: int = N_BOOT, level: float = LEVEL) -> Interval | None:
    """Percentile bootstrap interval of :func:`estimate` over prompts; None without data."""
    import numpy as np

    _check(n_boot, level)
    ids = sorted(per_prompt)
    if estimate(per_prompt) is None:
        return None
    sums, counts = _arrays(per_prompt, ids)
    idx = np.random.default_rng(seed).integers(0, len(ids), size=(n_boot, len(ids)))
    return _interval(_resampled_ratio(sums, counts, idx), level)


def paired_diff(a: PerPrompt, b: PerPrompt, seed: int, n_boot: int = N_BOOT, level: float = LEVEL) -> PairedDiff | None:
    """A - B over the prompts both have (with a count > 0); None when they share none."""
    import numpy as np

    _check(n_boot, level)
    ids = sorted(i for i in set(a) & set(b) if a[i][1] > 0 and b[i][1] > 0)
    if not ids:
        return None
    (sa, ca), (sb, cb) = _arrays(a, ids), _arrays(b, ids)
    idx = np.random.default_rng(seed).integers(0, len(ids), size=(n_boot, len(ids)))
    diffs = _resampled_ratio(sa, ca, idx) - _resampled_ratio(sb, cb, idx)
    point = sa.sum() / ca.sum() - sb.sum() / cb.sum()
    return PairedDiff(float(point), _interval(diffs, level), len(ids))


def wilson(k: float, n: float, level: float = LEVEL) -> Interval | None:
    """Wilson score interval for k successes in n trials; None for n = 0."""
    if n <= 0:
        return None
    from statistics import NormalDist

    z = NormalDist().inv_cdf(0.5 + level / 2)
    p = k / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def significant(ci: Interval | Sequence[float] | None) -> bool:
    """True when the interval lies entirely above or below 0 (an interval touching 0 is not)."""
    return ci is not None and (ci[0] > 0 or ci[1] < 0)
