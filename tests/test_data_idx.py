"""IDX reader/writer, MNIST-layout loader and binarisation, on small files written here."""
import gzip

import numpy as np
import pytest

from statmech_nn.core.errors import ParameterError
from statmech_nn.data import binarize, load_mnist, mnist_available, read_idx, write_idx


@pytest.mark.parametrize("dtype", ["u1", "i1", "i2", "i4", "f4", "f8"])
@pytest.mark.parametrize("gz", [False, True])
def test_roundtrip_every_dtype(tmp_path, dtype, gz):
    rng = np.random.default_rng(0)
    a = (rng.normal(size=(3, 4, 5)) * 50).astype(dtype)
    p = write_idx(tmp_path / ("a.idx" + (".gz" if gz else "")), a)
    b = read_idx(p)
    assert b.dtype == np.dtype(dtype).newbyteorder("=") and b.shape == a.shape
    np.testing.assert_array_equal(a, b)


def test_known_bytes_big_endian(tmp_path):
    # hand-made file: int16, dims (2,), values 1 and -2 (big-endian)
    raw = bytes([0, 0, 0x0B, 1, 0, 0, 0, 2, 0, 1, 0xFF, 0xFE])
    p = tmp_path / "x"
    p.write_bytes(raw)
    np.testing.assert_array_equal(read_idx(p), [1, -2])
    assert write_idx(tmp_path / "y", np.array([1, -2], np.int16)).read_bytes() == raw
    # gzip detected from content even without .gz in the name
    (tmp_path / "z").write_bytes(gzip.compress(raw))
    np.testing.assert_array_equal(read_idx(tmp_path / "z"), [1, -2])


def test_malformed_files(tmp_path):
    p = tmp_path / "bad"
    p.write_bytes(b"\x01\x02\x08\x01")
    with pytest.raises(ParameterError, match="magic"):
        read_idx(p)
    p.write_bytes(bytes([0, 0, 0x08, 1, 0, 0, 0, 5, 1, 2]))
    with pytest.raises(ParameterError, match="shape"):
        read_idx(p)
    p.write_bytes(bytes([0, 0, 0x07, 0]))
    with pytest.raises(ParameterError, match="dtype"):
        read_idx(p)
    with pytest.raises(ParameterError, match="does not exist"):
        read_idx(tmp_path / "nope")
    with pytest.raises(ParameterError, match="dtype"):
        write_idx(tmp_path / "c", np.zeros(3, complex))


def _make_mnist(d, n=7, gz=True, split="train", label_shift=0):
    d.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(1)
    imgs = rng.integers(0, 256, size=(n, 28, 28), dtype=np.uint8)
    labs = ((np.arange(n) + label_shift) % 10).astype(np.uint8)
    pre = "train" if split == "train" else "t10k"
    ext = ".gz" if gz else ""
    write_idx(d / f"{pre}-images-idx3-ubyte{ext}", imgs)
    write_idx(d / f"{pre}-labels-idx1-ubyte{ext}", labs)
    return imgs, labs


def test_load_mnist_layouts_and_env(tmp_path, monkeypatch):
    imgs, labs = _make_mnist(tmp_path / "mnist")
    x, y = load_mnist(tmp_path, "mnist", "train")
    assert x.dtype == np.uint8 and x.shape == (7, 28, 28) and y.dtype == np.uint8
    np.testing.assert_array_equal(x, imgs)
    np.testing.assert_array_equal(y, labs)
    # torchvision layout, plain files; env var as the root
    f_imgs, _ = _make_mnist(tmp_path / "tv" / "FashionMNIST" / "raw", n=4, gz=False, split="test")
    monkeypatch.setenv("STATMECH_NN_DATA", str(tmp_path / "tv"))
    x, y = load_mnist(None, "fashion-mnist", "test")
    np.testing.assert_array_equal(x, f_imgs)
    # files directly in the directory given
    _make_mnist(tmp_path / "flat", n=3, split="test")
    assert load_mnist(tmp_path / "flat", "mnist", "test")[0].shape == (3, 28, 28)
    assert not mnist_available(tmp_path / "flat")
    _make_mnist(tmp_path / "flat", n=3, split="train")
    assert mnist_available(tmp_path / "flat")


def test_missing_data_error_says_where(tmp_path):
    with pytest.raises(ParameterError) as exc:
        load_mnist(tmp_path, "fashion-mnist", "train")
    msg = str(exc.value)
    assert "train-images-idx3-ubyte" in msg and "train-labels-idx1-ubyte" in msg
    assert str(tmp_path / "fashion-mnist") in msg and "STATMECH_NN_DATA" in msg
    assert "never downloads" in msg
    with pytest.raises(ParameterError, match="dataset"):
        load_mnist(tmp_path, "cifar")
    with pytest.raises(ParameterError, match="split"):
        load_mnist(tmp_path, "mnist", "val")


def test_load_mnist_inconsistent_files(tmp_path):
    d = tmp_path / "mnist"
    _make_mnist(d, n=5)
    write_idx(d / "train-labels-idx1-ubyte.gz", np.zeros(4, np.uint8))
    with pytest.raises(ParameterError, match="5 images but 4 labels"):
        load_mnist(tmp_path)
    write_idx(d / "train-images-idx3-ubyte.gz", np.zeros((4, 27, 28), np.uint8))
    with pytest.raises(ParameterError, match="28, 28"):
        load_mnist(tmp_path)


def test_binarize():
    a = np.array([[0, 127, 128, 255]], np.uint8)
    b = binarize(a)
    assert b.dtype == np.int8 and b.shape == a.shape
    np.testing.assert_array_equal(b, [[-1, -1, 1, 1]])
    np.testing.assert_array_equal(binarize(np.array([0.1, 0.5, 0.9]), 0.5), [-1, -1, 1])
    with pytest.raises(ParameterError):
        binarize(a, float("nan"))
    with pytest.raises(ParameterError):
        binarize(a, "x")
