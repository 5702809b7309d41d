"""``permuted-digits`` stream (scikit-learn's bundled 8x8 digits): shapes, seeded permutations
with task 1 the identity, reproducibility, the missing-extra error, and a tiny 2-task run."""
import json
import sys

import numpy as np
import pytest

pytest.importorskip("sklearn")

from statmech_nn.cli.main import main  # noqa: E402
from statmech_nn.core.errors import ParameterError  # noqa: E402
from statmech_nn.deepcl import make_stream, run_continual  # noqa: E402
from statmech_nn.deepcl.streams import permuted_digits  # noqa: E402


def test_stream_shapes_scaling_and_split():
    s = make_stream("permuted-digits", n_tasks=3, seed=0)
    assert s.name == "permuted-digits" and len(s) == 3 and s.n_in == 64 and s.n_classes == 10
    t0 = s.tasks[0]
    n_tr, n_te = len(t0.y_train), len(t0.y_test)
    assert n_tr + n_te == 1797 and 500 <= n_te <= 560          # 30 % held out per class
    for t in s.tasks:
        assert t.x_train.shape == (n_tr, 64) and t.x_test.shape == (n_te, 64)
        assert t.x_train.dtype == np.float32 and t.y_train.dtype == np.int64
        assert 0.0 <= t.x_train.min() and t.x_train.max() == pytest.approx(1.0)
        np.testing.assert_array_equal(t.y_train, t0.y_train)    # same examples, new pixels
    assert set(np.unique(t0.y_test)) == set(range(10))


def test_task1_identity_and_fixed_permutations():
    from sklearn.datasets import load_digits
    raw = load_digits().data.astype(np.float32) / 16.0
    seed, T = 3, 4
    s = permuted_digits(n_tasks=T, seed=seed)
    x1, x1t = s.tasks[0].x_train, s.tasks[0].x_test
    rows = {r.tobytes() for r in raw}                        # task 1: unpermuted images
    assert all(r.tobytes() in rows for r in np.concatenate([x1, x1t]))
    ss = np.random.default_rng  # the documented seeding: child t of SeedSequence(seed)
    children = np.random.SeedSequence(seed).spawn(T + 1)
    perms = []
    for t in range(1, T):
        p = ss(children[t]).permutation(64)
        perms.append(tuple(p))
        assert not np.array_equal(p, np.arange(64))
        # one fixed permutation per task, shared by its train and test sets
        np.testing.assert_array_equal(s.tasks[t].x_train, x1[:, p])
        np.testing.assert_array_equal(s.tasks[t].x_test, x1t[:, p])
        np.testing.assert_array_equal(s.tasks[t].y_test, s.tasks[0].y_test)
    assert len(set(perms)) == T - 1                          # tasks differ from each other


def test_reproducible_and_seed_dependent():
    a = permuted_digits(n_tasks=3, seed=7)
    b = permuted_digits(n_tasks=3, seed=7)
    c = permuted_digits(n_tasks=3, seed=8)
    for ta, tb in zip(a.tasks, b.tasks):
        np.testing.assert_array_equal(ta.x_train, tb.x_train)
        np.testing.assert_array_equal(ta.x_test, tb.x_test)
        np.testing.assert_array_equal(ta.y_test, tb.y_test)
    assert not np.array_equal(a.tasks[1].x_train, c.tasks[1].x_train)
    # more tasks leave the first ones unchanged
    d = permuted_digits(n_tasks=5, seed=7)
    np.testing.assert_array_equal(a.tasks[2].x_test, d.tasks[2].x_test)


def test_subsets_and_bad_input():
    s = permuted_digits(n_tasks=2, seed=0, n_train=200, n_test=100)
    assert s.tasks[0].x_train.shape == (200, 64) and s.tasks[1].x_test.shape == (100, 64)
    with pytest.raises(ParameterError, match="data-dir"):
        permuted_digits(n_tasks=2, data_dir="somewhere")
    with pytest.raises(ParameterError, match="test_fraction"):
        permuted_digits(n_tasks=2, test_fraction=1.5)


def test_missing_scikit_learn_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)   # import now fails
    with pytest.raises(ParameterError, match=r'pip install -e "\.\[digits\]"'):
        make_stream("permuted-digits", n_tasks=2, seed=0)


def test_tiny_two_task_training():
    s = permuted_digits(n_tasks=2, seed=0, n_train=600, n_test=300)
    for method in ("vcl", "meta"):
        res = run_continual(s, method, seed=0, hidden=(64,), epochs=4, batch_size=50)
        A = res.acc_matrix
        assert A.shape == (2, 2) and np.isnan(A[0, 1])
        assert A[0, 0] > 0.3                                     # well above chance (0.1)
        assert res.final_average_accuracy == pytest.approx(np.mean(A[1]))


def test_cli_permuted_digits_json(capsys):
    rc = main(["continual", "--tasks", "permuted-digits", "--method", "plain", "--n-tasks", "2",
               "--epochs", "1", "--hidden", "16", "--n-train", "300", "--json", "--quiet"])
    assert rc == 0
    d = json.loads(capsys.readouterr().out)
    assert d["tasks"] == "permuted-digits" and d["n_tasks"] == 2
    assert "scikit-learn" in d["source"]


def test_cli_permuted_digits_rejects_data_dir(tmp_path, capsys):
    rc = main(["continual", "--tasks", "permuted-digits", "--quick", "--epochs", "1",
               "--data-dir", str(tmp_path)])
    assert rc == 2
    err = capsys.readouterr().err
    assert "--data-dir" in err and len(err.strip().splitlines()) == 1
