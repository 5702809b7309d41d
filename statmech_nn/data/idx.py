"""IDX files (the MNIST / Fashion-MNIST format): read, write, load, binarise.

Nothing here downloads anything. The data sets must already be on disk.

API
---
``read_idx(path) -> numpy.ndarray``
    Read one IDX file, gzip-compressed (``*.gz``, detected from the content, not
    the name) or plain. The format is: two zero bytes, one dtype byte
    (0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64),
    one byte giving the number of dimensions d, then d big-endian uint32 sizes,
    then the data in C order, big-endian. Returns a native-endian array of that
    shape. A malformed file (bad magic, unknown dtype, wrong length) raises
    :class:`~statmech_nn.core.errors.ParameterError` naming the file.

``write_idx(path, array)``
    Write an array in IDX format (gzip when ``path`` ends in ``.gz``). The dtype must
    be one of the six above (bool is stored as uint8). Used by the tests to make
    small files. Atomic: temp file + ``os.replace``.

``load_mnist(root=None, dataset='mnist', split='train') -> (images, labels)``
    ``images``: uint8, shape (n, 28, 28); ``labels``: uint8, shape (n,), values 0..9.
    ``dataset`` is ``'mnist'`` or ``'fashion-mnist'``; ``split`` is ``'train'``
    (60 000 images) or ``'test'`` (10 000). The four standard file names are used
    for both data sets::

        train-images-idx3-ubyte[.gz]   train-labels-idx1-ubyte[.gz]
        t10k-images-idx3-ubyte[.gz]    t10k-labels-idx1-ubyte[.gz]

    ``root`` is a directory (or ``None``: then the environment variable
    ``STATMECH_NN_DATA``, then ``~/.cache/statmech_nn``). The files are looked up
    in, in this order: ``root/<dataset>/``, ``root/<dataset>/raw/``, the
    torchvision layout (``root/MNIST/raw/``, ``root/FashionMNIST/raw/``), the
    short name ``root/fashion/`` for Fashion-MNIST, and finally ``root/`` itself.
    When the files are not found, a ParameterError lists the file names and the
    directories that were searched, so the user knows where to put them.

``binarize(images, threshold=127.5) -> numpy.ndarray``
    ±1 ``int8`` array of the same shape: +1 where ``images > threshold``, else -1.

``data_dir(root=None) -> pathlib.Path``
    The directory ``load_mnist`` starts from (argument, env var, or default).
"""
import gzip
import os
import pathlib

import numpy as np

from ..core.errors import ParameterError, check_choice

ENV_VAR = "STATMECH_NN_DATA"
DEFAULT_DIR = pathlib.Path("~/.cache/statmech_nn")

_CODE_TO_DTYPE = {0x08: np.dtype("u1"), 0x09: np.dtype("i1"), 0x0B: np.dtype(">i2"),
                  0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"), 0x0E: np.dtype(">f8")}
_KIND_TO_CODE = {("u", 1): 0x08, ("i", 1): 0x09, ("i", 2): 0x0B, ("i", 4): 0x0C,
                 ("f", 4): 0x0D, ("f", 8): 0x0E}

DATASETS = ("mnist", "fashion-mnist")
SPLITS = ("train", "test")
_PREFIX = {"train": "train", "test": "t10k"}
# subdirectories tried below the root, in order ("" = the root itself)
_SUBDIRS = {"mnist": ("mnist", "mnist/raw", "MNIST/raw", "MNIST", ""),
            "fashion-mnist": ("fashion-mnist", "fashion-mnist/raw", "FashionMNIST/raw",
                              "FashionMNIST", "fashion", "")}


def _open_bytes(path):
    path = pathlib.Path(path)
    try:
        with open(path, "rb") as fh:
            raw = fh.read()
    except FileNotFoundError:
        raise ParameterError(f"IDX file {str(path)!r} does not exist") from None
    if raw[:2] == b"\x1f\x8b":  # gzip magic
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ParameterError(f"IDX file {str(path)!r}: corrupt gzip data ({exc})") from None
    return raw


def read_idx(path):
    """Read an IDX file (plain or gzip) into a native-endian numpy array."""
    raw = _open_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise ParameterError(f"{str(path)!r} is not an IDX file (bad magic number)")
    code, ndim = raw[2], raw[3]
    if code not in _CODE_TO_DTYPE:
        raise ParameterError(f"{str(path)!r}: unknown IDX dtype code 0x{code:02x}")
    head = 4 + 4 * ndim
    if len(raw) < head:
        raise ParameterError(f"{str(path)!r}: truncated IDX header")
    shape = tuple(int(s) for s in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dt = _CODE_TO_DTYPE[code]
    n = int(np.prod(shape, dtype=np.int64)) if ndim else 1
    if len(raw) - head != n * dt.itemsize:
        raise ParameterError(f"{str(path)!r}: IDX header says shape {shape} "
                             f"({n * dt.itemsize} data bytes) but the file has {len(raw) - head}")
    arr = np.frombuffer(raw, dtype=dt, count=n, offset=head).reshape(shape)
    return arr.astype(dt.newbyteorder("="), copy=True)


def write_idx(path, array):
    """Write ``array`` as an IDX file (gzip if ``path`` ends in .gz); returns the path."""
    path = pathlib.Path(path)
    a = np.asarray(array)
    if a.dtype == np.bool_:
        a = a.astype(np.uint8)
    key = (a.dtype.kind, a.dtype.itemsize)
    if key not in _KIND_TO_CODE:
        raise ParameterError(f"write_idx: dtype {a.dtype} cannot be stored in IDX "
                             "(allowed: uint8, int8, int16, int32, float32, float64)")
    if a.ndim > 255:
        raise ParameterError("write_idx: at most 255 dimensions")
    code = _KIND_TO_CODE[key]
    header = bytes([0, 0, code, a.ndim]) + np.asarray(a.shape, dtype=">u4").tobytes()
    body = np.ascontiguousarray(a, dtype=_CODE_TO_DTYPE[code]).tobytes()
    data = header + body
    if path.name.endswith(".gz"):
        data = gzip.compress(data, mtime=0)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    with open(tmp, "wb") as fh:
        fh.write(data)
    os.replace(tmp, path)
    return path


def data_dir(root=None):
    """The data root: ``root``, else ``$STATMECH_NN_DATA``, else ``~/.cache/statmech_nn``."""
    if root is None:
        root = os.environ.get(ENV_VAR) or DEFAULT_DIR
    return pathlib.Path(root).expanduser()


def _file_names(split):
    p = _PREFIX[split]
    return (f"{p}-images-idx3-ubyte", f"{p}-labels-idx1-ubyte")


def _find(root, dataset, split):
    """Paths of (images, labels) or None, plus the list of directories searched."""
    searched = []
    names = _file_names(split)
    for sub in _SUBDIRS[dataset]:
        d = root / sub if sub else root
        searched.append(d)
        found = []
        for name in names:
            for cand in (d / name, d / (name + ".gz")):
                if cand.is_file():
                    found.append(cand)
                    break
        if len(found) == 2:
            return found, searched
    return None, searched


def missing_message(root, dataset, split, searched=None):
    """The error text for absent data: which files to put where (and that nothing is downloaded)."""
    names = _file_names(split)
    where = root / dataset
    msg = (f"{dataset} {split} data not found: put {names[0]}[.gz] and {names[1]}[.gz] "
           f"(the standard IDX files) in {str(where)!r}")
    if searched:
        msg += " (searched: " + ", ".join(str(s) for s in searched) + ")"
    msg += (f"; or pass the directory holding them (--data-dir / root=) or set ${ENV_VAR}. "
            "statmech_nn never downloads data.")
    return msg


def load_mnist(root=None, dataset="mnist", split="train"):
    """Images (n, 28, 28) uint8 and labels (n,) uint8 of MNIST or Fashion-MNIST from disk."""
    check_choice("dataset", dataset, DATASETS)
    check_choice("split", split, SPLITS)
    root = data_dir(root)
    if root.is_file():
        raise ParameterError(f"data directory {str(root)!r} is a file, not a directory")
    paths, searched = _find(root, dataset, split)
    if paths is None:
        raise ParameterError(missing_message(root, dataset, split, searched))
    images, labels = read_idx(paths[0]), read_idx(paths[1])
    if images.ndim != 3 or images.shape[1:] != (28, 28) or images.dtype != np.uint8:
        raise ParameterError(f"{str(paths[0])!r}: expected uint8 images of shape (n, 28, 28), "
                             f"got {images.dtype} {images.shape}")
    if labels.ndim != 1 or labels.dtype != np.uint8:
        raise ParameterError(f"{str(paths[1])!r}: expected uint8 labels of shape (n,), "
                             f"got {labels.dtype} {labels.shape}")
    if labels.shape[0] != images.shape[0]:
        raise ParameterError(f"{dataset} {split}: {images.shape[0]} images but "
                             f"{labels.shape[0]} labels ({paths[0]}, {paths[1]})")
    if labels.size and labels.max() > 9:
        raise ParameterError(f"{str(paths[1])!r}: labels must be 0..9, found {int(labels.max())}")
    return images, labels


def mnist_available(root=None, dataset="mnist"):
    """True when both splits of ``dataset`` can be found below the data root."""
    root = data_dir(root)
    return all(_find(root, dataset, s)[0] is not None for s in SPLITS)


def binarize(images, threshold=127.5):
    """±1 int8 array: +1 where ``images > threshold``, -1 elsewhere (same shape)."""
    try:
        t = float(threshold)
    except (TypeError, ValueError):
        raise ParameterError(f"threshold must be a number, got {threshold!r}") from None
    if np.isnan(t):
        raise ParameterError("threshold must not be NaN")
    a = np.asarray(images)
    if a.dtype.kind not in "uifb":
        raise ParameterError(f"binarize: images must be numeric, got dtype {a.dtype}")
    return np.where(a > t, 1, -1).astype(np.int8)
