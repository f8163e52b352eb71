"""Accuracy and output-drift figures shared by verify and the report."""

from __future__ import annotations

import numpy as np


def top1(probs: np.ndarray, labels: np.ndarray) -> float:
    return float(np.mean(np.argmax(probs, axis=1) == labels))


def agreement(a: np.ndarray, b: np.ndarray) -> float:
    """Share of samples where two models pick the same top-1 class."""
    return float(np.mean(np.argmax(a, axis=1) == np.argmax(b, axis=1)))


def sqnr_db(reference: np.ndarray, test: np.ndarray) -> float:
    """Signal-to-quantization-noise ratio of `test` against `reference`, in dB (inf when identical)."""
    noise = float(np.sum((reference - test) ** 2))
    signal = float(np.sum(reference**2))
    return float("inf") if noise == 0 else 10.0 * np.log10(signal / noise)


def mean_kl(p: np.ndarray, q: np.ndarray, eps: float = 1e-7) -> float:
    """Mean KL(p || q) over samples of two probability outputs."""
    p = np.clip(p, eps, 1.0)
    q = np.clip(q, eps, 1.0)
    p = p / p.sum(axis=1, keepdims=True)
    q = q / q.sum(axis=1, keepdims=True)
    # KL is never negative; float rounding of two identical outputs can give -3e-09
    return max(0.0, float(np.mean(np.sum(p * np.log(p / q), axis=1))))


def drop(reference: float, value: float, drop_type: str) -> float:
    """Accuracy lost versus the reference: points (absolute) or share of the reference (relative)."""
    lost = reference - value
    if drop_type == "relative":
        return lost / reference if reference > 0 else 0.0
    return lost


def topk(probs: np.ndarray, labels: np.ndarray, k: int = 5) -> float:
    k = min(k, probs.shape[1])
    best = np.argpartition(-probs, k - 1, axis=1)[:, :k]
    return float(np.mean(np.any(best == labels[:, None], axis=1)))


def flipped_classes(reference: np.ndarray, test: np.ndarray, labels: np.ndarray, names) -> dict[str, int]:
    """Per true class, how many samples the tested model decides differently from the reference (most first)."""
    changed = np.argmax(reference, axis=1) != np.argmax(test, axis=1)
    counts = np.bincount(labels[changed], minlength=len(names))
    order = np.argsort(-counts, kind="stable")
    return {str(names[i]): int(counts[i]) for i in order if counts[i] > 0}
