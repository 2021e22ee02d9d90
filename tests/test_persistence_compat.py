"""Model files written by an earlier gmmkit still load and predict the same.

The files in tests/data/model_files_0.1.0 were written by gmmkit at commit
bcd475c (before the estimators shared one EM driver), with the predictions
that code made; tests/data/make_old_model_files.py wrote them.
"""

from pathlib import Path

import numpy as np
import pytest

from gmmkit import KMeans, load
from gmmkit.datasets import load_old_faithful
from gmmkit.persistence import read

FILES = Path(__file__).resolve().parent / "data" / "model_files_0.1.0"
NAMES = sorted(p.stem for p in FILES.glob("*.npz") if ".expected" not in p.stem)


def test_every_estimator_has_an_old_file():
    assert len(NAMES) == 5


@pytest.mark.parametrize("name", NAMES)
def test_old_model_file_loads_and_predicts_as_before(name):
    X = load_old_faithful()
    model = load(FILES / f"{name}.npz")
    expected = np.load(FILES / f"{name}.expected.npz")
    if isinstance(model, KMeans):
        np.testing.assert_array_equal(model.predict(X), expected["labels"])
        return
    np.testing.assert_allclose(model.score_samples(X), expected["log_density"], 1e-12)
    np.testing.assert_allclose(model.predict_proba(X), expected["proba"], 1e-9, 1e-12)
    assert model.sample(5, random_state=0)[0].shape == (5, X.shape[1])


def test_old_file_keeps_its_info_and_snapshots():
    model_file = read(FILES / "gaussian_full_noise.npz")
    assert model_file.info == {"written_by": "0.1.0"}
    model = model_file.model
    assert model.snapshots_[0].iteration == 0
    assert model.snapshots_[-1].iteration == model.n_iter_
    assert model.noise_weight_ > 0
