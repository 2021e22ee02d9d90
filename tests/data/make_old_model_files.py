"""Write the model files of tests/test_persistence_compat.py (run once, on old code).

Run from the repository root with an older gmmkit first on the path, e.g.::

    git worktree add /tmp/old bcd475c
    PYTHONPATH=/tmp/old python tests/data/make_old_model_files.py

Each model is saved with gmmkit.save next to the log-densities and
responsibilities that code computed, so that loading the file today can be
checked against them.
"""

from pathlib import Path

import numpy as np

import gmmkit
from gmmkit import (
    BayesianGaussianMixture,
    GaussianMixture,
    KMeans,
    StudentTMixture,
    save,
)
from gmmkit.datasets import load_old_faithful

OUT = Path(__file__).resolve().parent / "model_files_0.1.0"


def models():
    return {
        "gaussian_full_noise": GaussianMixture(
            3, noise="uniform", snapshot_every=2, random_state=0
        ),
        "gaussian_diag": GaussianMixture(2, covariance_type="diag", random_state=1),
        "bayesian_tied": BayesianGaussianMixture(
            4, covariance_type="tied", random_state=2
        ),
        "student_t_spherical": StudentTMixture(
            2, covariance_type="spherical", random_state=3
        ),
        "kmeans": KMeans(3, random_state=4),
    }


def main() -> None:
    X = load_old_faithful()
    OUT.mkdir(exist_ok=True)
    for name, model in models().items():
        model.fit(X)
        save(model, OUT / f"{name}.npz", info={"written_by": gmmkit.__version__})
        if isinstance(model, KMeans):
            expected = {"labels": model.predict(X)}
        else:
            expected = {
                "log_density": model.score_samples(X),
                "proba": model.predict_proba(X),
            }
        np.savez(OUT / f"{name}.expected.npz", **expected)
    print("wrote", sorted(p.name for p in OUT.iterdir()), "with", gmmkit.__file__)


if __name__ == "__main__":
    main()
