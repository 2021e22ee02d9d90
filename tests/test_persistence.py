"""Model files: exact round trips, atomic writes, and refusing bad files."""

import io
import json
import zipfile

import numpy as np
import pytest

from gmmkit import BayesianGaussianMixture, GaussianMixture, KMeans, StudentTMixture
from gmmkit.covariance import COVARIANCE_TYPES
from gmmkit.datasets import load_old_faithful, make_mixture
from gmmkit.exceptions import ModelFileError, NotFittedError
from gmmkit.persistence import METADATA_ENTRY, _checksum, load, read, save

X3, _ = make_mixture(
    240, [[0, 0, 0], [6, 0, 1], [0, 6, -1]], [1.0, 0.5, 1.5], random_state=0
)
FAITHFUL = load_old_faithful()


def assert_same_model(a, b, X):
    assert type(a) is type(b)
    assert a.get_params().keys() == b.get_params().keys()
    for name, value in vars(a).items():
        if name.startswith("_"):
            continue
        other = getattr(b, name)
        if name == "snapshots_":
            assert len(value) == len(other)
            for s, t in zip(value, other, strict=True):
                assert s.iteration == t.iteration
                assert s.noise_weight == t.noise_weight
                for key in ("weights", "means", "covariances"):
                    np.testing.assert_array_equal(getattr(s, key), getattr(t, key))
                    assert getattr(s, key).dtype == getattr(t, key).dtype
        elif isinstance(value, tuple):
            for p, q in zip(value, other, strict=True):
                np.testing.assert_array_equal(p, q)
        elif isinstance(value, np.ndarray | np.generic):
            np.testing.assert_array_equal(value, other)  # bitwise for floats
            assert np.asarray(value).dtype == np.asarray(other).dtype, name
        else:
            assert value == other, name
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    if hasattr(a, "score_samples"):
        np.testing.assert_array_equal(a.score_samples(X), b.score_samples(X))
        np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


@pytest.mark.parametrize("covariance_type", COVARIANCE_TYPES)
@pytest.mark.parametrize(
    "make",
    [
        lambda c: GaussianMixture(3, covariance_type=c, random_state=0),
        lambda c: GaussianMixture(
            3, covariance_type=c, noise="uniform", snapshot_every=2, random_state=1
        ),
        lambda c: StudentTMixture(3, covariance_type=c, random_state=0),
        lambda c: StudentTMixture(3, covariance_type=c, dof=[3.0, 5.0, 8.0]),
        lambda c: BayesianGaussianMixture(
            n_components=4, covariance_type=c, random_state=0
        ),
        lambda c: BayesianGaussianMixture(
            n_components=4,
            covariance_type=c,
            weight_concentration_prior_type="dirichlet_distribution",
            mean_prior=[1.0, 1.0, 1.0],
            random_state=0,
        ),
    ],
    ids=["gmm", "gmm-noise", "student-t", "student-t-fixed-dof", "bgm-dp", "bgm-dd"],
)
def test_round_trip_is_exact(tmp_path, make, covariance_type):
    model = make(covariance_type).fit(X3)
    path = save(model, tmp_path / "m.npz")
    assert_same_model(model, load(path), X3)


def test_kmeans_round_trip(tmp_path):
    model = KMeans(3, random_state=0).fit(X3)
    loaded = load(save(model, tmp_path / "k.npz"))
    assert_same_model(model, loaded, X3)
    np.testing.assert_array_equal(loaded.transform(X3), model.transform(X3))


def test_float32_history_snapshots_and_feature_names_survive(tmp_path):
    pd = pytest.importorskip("pandas")
    frame = pd.DataFrame(FAITHFUL.astype(np.float32), columns=["eruptions", "waiting"])
    model = GaussianMixture(2, snapshot_every=3, random_state=0).fit(frame)
    loaded = load(save(model, tmp_path / "m.npz"))
    assert loaded.means_.dtype == np.float32
    assert loaded.history_ == model.history_ and len(loaded.history_) > 3
    assert [s.iteration for s in loaded.snapshots_] == [
        s.iteration for s in model.snapshots_
    ]
    assert list(loaded.feature_names_in_) == ["eruptions", "waiting"]
    assert_same_model(model, loaded, frame)
    with pytest.raises(ValueError, match="feature names"):
        loaded.predict(frame.rename(columns={"waiting": "wait"}))


def test_sampling_restarts_from_the_saved_seed(tmp_path):
    model = GaussianMixture(2, random_state=7).fit(FAITHFUL)
    loaded = load(save(model, tmp_path / "m.npz"))
    fresh = load(tmp_path / "m.npz")
    np.testing.assert_array_equal(loaded.sample(20)[0], fresh.sample(20)[0])
    np.testing.assert_array_equal(
        loaded.sample(5, random_state=3)[0], model.sample(5, random_state=3)[0]
    )


def test_callbacks_and_generators_are_dropped_and_listed(tmp_path):
    model = GaussianMixture(
        2, callbacks=lambda *a: None, random_state=np.random.default_rng(0)
    ).fit(FAITHFUL)
    loaded_file = read(save(model, tmp_path / "m.npz"))
    assert sorted(loaded_file.metadata["dropped_params"]) == [
        "callbacks",
        "random_state",
    ]
    assert loaded_file.model.callbacks is None
    np.testing.assert_array_equal(
        loaded_file.model.predict(FAITHFUL), model.predict(FAITHFUL)
    )


def test_array_constructor_params_round_trip(tmp_path):
    model = GaussianMixture(
        2, means_init=[[2.0, 55.0], [4.5, 80.0]], weights_init=[0.4, 0.6]
    ).fit(FAITHFUL)
    loaded = load(save(model, tmp_path / "m.npz"))
    np.testing.assert_array_equal(loaded.means_init, model.means_init)
    np.testing.assert_array_equal(loaded.weights_init, model.weights_init)


def test_info_is_stored_and_must_be_json(tmp_path):
    model = GaussianMixture(2, random_state=0).fit(FAITHFUL)
    path = save(model, tmp_path / "m.npz", info={"columns": ["a", "b"], "q": [0.5]})
    assert read(path).info == {"columns": ["a", "b"], "q": [0.5]}
    with pytest.raises(ModelFileError, match="JSON"):
        save(model, tmp_path / "bad.npz", info={"x": object()})
    with pytest.raises(ModelFileError, match="JSON"):
        save(model, tmp_path / "bad.npz", info={"x": float("nan")})
    assert not (tmp_path / "bad.npz").exists()


def test_the_file_holds_no_pickle_and_documents_itself(tmp_path):
    model = BayesianGaussianMixture(n_components=3, random_state=0).fit(FAITHFUL)
    path = save(model, tmp_path / "m.npz")
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        metadata = json.loads(
            np.load(io.BytesIO(archive.read(f"{METADATA_ENTRY}.npy"))).tobytes()
        )
    assert metadata["format"] == "gmmkit-model" and metadata["format_version"] == 1
    assert metadata["estimator"] == "BayesianGaussianMixture"
    assert metadata["params"]["n_components"] == 3
    assert "weight_concentration_:0" in metadata["arrays"]  # a tuple of two arrays
    assert all(n.endswith(".npy") for n in names)
    with np.load(path, allow_pickle=False) as archive:  # never needs pickle
        assert archive["means_"].shape == (3, 2)


# ------------------------------------------------------------------- writing
def test_save_refuses_unfitted_and_foreign_models(tmp_path):
    with pytest.raises(NotFittedError):
        save(GaussianMixture(2), tmp_path / "m.npz")
    with pytest.raises(ModelFileError, match="saves only"):
        save(object(), tmp_path / "m.npz")
    assert list(tmp_path.iterdir()) == []


def test_unwritable_destination_leaves_nothing(tmp_path):
    model = GaussianMixture(2, random_state=0).fit(FAITHFUL)
    with pytest.raises(ModelFileError, match="does not exist"):
        save(model, tmp_path / "missing" / "m.npz")
    (tmp_path / "file").write_text("x")
    with pytest.raises(ModelFileError, match="is a file, not a folder"):
        save(model, tmp_path / "file" / "m.npz")
    with pytest.raises(ModelFileError, match="it is a folder"):
        save(model, tmp_path)
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        try:
            (locked / "probe").write_text("x")
        except PermissionError:
            pass
        else:
            pytest.skip("running as root: folder permissions do not apply")
        with pytest.raises(ModelFileError, match="cannot write"):
            save(model, locked / "m.npz")
        assert list(locked.iterdir()) == []
        assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "locked"]
    finally:
        locked.chmod(0o700)


def test_failed_write_keeps_the_old_file(tmp_path, monkeypatch):
    model = GaussianMixture(2, random_state=0).fit(FAITHFUL)
    path = save(model, tmp_path / "m.npz")
    before = path.read_bytes()

    def broken_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("gmmkit.io.os.replace", broken_replace)
    with pytest.raises(ModelFileError, match="No space left"):
        save(GaussianMixture(3, random_state=0).fit(FAITHFUL), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["m.npz"]


# ------------------------------------------------------------------ refusing
def rewrite(path, change, *, fix_checksum=True, change_metadata=None):
    """Rewrite a model file with changed arrays, as a tamperer would."""
    with np.load(path, allow_pickle=False) as archive:
        entries = {name: archive[name] for name in archive.files}
    metadata = json.loads(entries.pop(METADATA_ENTRY).tobytes())
    change(entries)
    if fix_checksum:
        metadata["arrays"] = {
            k: {"dtype": v.dtype.str, "shape": list(v.shape)}
            for k, v in entries.items()
        }
        metadata["sha256"] = _checksum(entries)
    if change_metadata is not None:
        change_metadata(metadata)
    text = json.dumps(metadata).encode()
    np.savez(path, **{METADATA_ENTRY: np.frombuffer(text, dtype=np.uint8)}, **entries)


@pytest.fixture
def saved(tmp_path):
    model = GaussianMixture(2, random_state=0).fit(FAITHFUL)
    return save(model, tmp_path / "m.npz")


def refused(path, match):
    with pytest.raises(ModelFileError, match=match) as info:
        load(path)
    assert "\n" not in str(info.value)
    return str(info.value)


def test_changed_array_without_new_checksum(saved):
    def nudge(entries):
        entries["means_"] = entries["means_"] + 1e-9

    rewrite(saved, nudge, fix_checksum=False)
    refused(saved, "checksum mismatch")


def test_changed_shape(saved):
    def grow(entries):
        entries["means_"] = np.vstack([entries["means_"], entries["means_"][:1]])

    rewrite(saved, grow)
    refused(saved, r"means_ has shape \(3, 2\).*need \(2, 2\)")


def test_shape_not_matching_the_metadata(saved):
    def grow(entries):
        entries["weights_"] = np.append(entries["weights_"], 0.0)

    rewrite(saved, grow, fix_checksum=False)
    refused(saved, "array 'weights_' is <f8 \\[3\\] but the metadata says <f8 \\[2\\]")


def test_nan(saved):
    def poison(entries):
        entries["covariances_"][0, 0, 0] = np.nan

    rewrite(saved, poison)
    refused(saved, "covariances_ holds NaN")


def test_weights_not_summing_to_one(saved):
    def skew(entries):
        entries["weights_"] = entries["weights_"] * 1.5

    rewrite(saved, skew)
    refused(saved, "sum to 1")


def test_covariance_not_positive_definite(saved):
    def flip(entries):
        entries["covariances_"][1] = -entries["covariances_"][1]

    rewrite(saved, flip)
    refused(saved, "component 1 is not positive definite")


def test_precisions_not_matching_covariances(saved):
    def swap(entries):
        entries["covariances_"] = entries["covariances_"][::-1].copy()

    rewrite(saved, swap)
    refused(saved, "precisions_ is not the inverse")


@pytest.mark.parametrize("version", [2, 0, "1", None])
def test_unknown_format_version(saved, version):
    def set_version(metadata):
        metadata["format_version"] = version

    rewrite(saved, lambda e: None, change_metadata=set_version)
    refused(saved, f"model-format version {version!r}.*reads version 1")


def test_unknown_estimator_class(saved):
    def set_class(metadata):
        metadata["estimator"] = "os.system"

    rewrite(saved, lambda e: None, change_metadata=set_class)
    refused(saved, "unknown estimator 'os.system'")


def test_bad_constructor_parameter(saved):
    def bad(metadata):
        metadata["params"]["covariance_type"] = "banana"

    rewrite(saved, lambda e: None, change_metadata=bad)
    refused(saved, "bad constructor parameters")


def test_truncated_file(saved):
    data = saved.read_bytes()
    saved.write_bytes(data[: len(data) // 2])
    refused(saved, "not a gmmkit model file, or it is truncated")


def test_random_bytes(tmp_path):
    path = tmp_path / "m.npz"
    path.write_bytes(np.random.default_rng(0).bytes(4096))
    refused(path, r"not a gmmkit model file \(not an .npz archive\)")


def test_empty_file(tmp_path):
    path = tmp_path / "m.npz"
    path.write_bytes(b"")
    refused(path, "not a gmmkit model file")


def test_pickled_npz_is_refused(tmp_path):
    path = tmp_path / "m.npz"
    np.savez(path, **{METADATA_ENTRY: np.array([{"evil": 1}], dtype=object)})
    refused(path, "never unpickles")


def test_plain_npz_and_npy(tmp_path):
    np.savez(tmp_path / "a.npz", x=np.zeros(3))
    refused(tmp_path / "a.npz", "no __metadata__ entry")
    np.save(tmp_path / "b.npy", np.zeros(3))
    refused(tmp_path / "b.npy", "bare .npy")


def test_missing_model_file(tmp_path):
    refused(tmp_path / "nope.npz", "no such model file")
