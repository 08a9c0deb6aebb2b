"""orderstats gives exactly NumPy's per-pixel medians and percentiles."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from legrsi.orderstats import median0, nanmedian0, percentile0, percentile_sorted, sort0

QS = [0, 1, 3, 10, 15, 25, 33.3, 50, 66.7, 85, 90, 97, 99, 100]


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.uint8])
@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 16, 24, 25, 96, 97])
def test_same_values_as_numpy(dtype: type, n: int) -> None:
    rng = np.random.default_rng(n)
    a = rng.normal(120, 40, (n, 13, 11)).clip(0, 255)
    a[:, :3] = np.round(a[:, :3])  # ties
    a[:, 3, :] = 77.0  # a constant column
    a = a.astype(dtype)
    assert np.array_equal(median0(a), np.median(a, axis=0))
    assert median0(a).dtype == np.median(a, axis=0).dtype
    s = sort0(a)
    for q in QS:
        mine, ref = percentile_sorted(s, q), np.percentile(a, q, axis=0)
        assert mine.dtype == ref.dtype
        assert np.array_equal(mine, ref), q
        assert np.array_equal(percentile0(a, q), ref)


def test_nan_columns_like_numpy() -> None:
    rng = np.random.default_rng(1)
    a = rng.normal(size=(9, 4, 5)).astype(np.float32)
    a[3, 1, 2] = np.nan
    for q in QS:
        assert np.array_equal(percentile0(a, q), np.percentile(a, q, axis=0), equal_nan=True)
    assert np.array_equal(median0(a), np.median(a, axis=0), equal_nan=True)


def test_random_stacks() -> None:
    rng = np.random.default_rng(7)
    for _ in range(200):
        n = int(rng.integers(1, 60))
        a = (rng.normal(100, 30, (n, 6, 5)) * rng.uniform(0.1, 3)).astype(np.float32)
        q = float(rng.uniform(0, 100))
        assert np.array_equal(percentile0(a, q), np.percentile(a, q, axis=0))
        assert np.array_equal(median0(a), np.median(a, axis=0))


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 24, 25, 96])
def test_nanmedian_like_numpy(n: int) -> None:
    rng = np.random.default_rng(n)
    a = rng.normal(120, 40, (n, 9, 7)).astype(np.float32)
    a[:, :2] = np.round(a[:, :2])  # ties
    a[rng.random(a.shape) < 0.4] = np.nan
    a[:, 0, 0] = np.nan  # an all-NaN column
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        ref = np.nanmedian(a, axis=0)
    mine = nanmedian0(a)
    assert mine.dtype == ref.dtype
    assert np.array_equal(mine, ref, equal_nan=True)
