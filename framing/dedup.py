"""Near-duplicate detection, run before splitting so copies never straddle train and test.

Syndicated copies, re-posts with a new dateline and light rewrites of one article would otherwise
land on both sides of a split and inflate every score. :func:`near_duplicate_clusters` groups texts
whose word shingles overlap by at least ``threshold`` (Jaccard similarity, estimated by MinHash),
and :func:`dedup` keeps one member per group.

How it works, and why:

- Tokens are the lower-cased ``\\w+`` runs of a text; a *shingle* is ``shingle`` consecutive tokens
  (a text with fewer tokens is one shingle, a text without tokens is a group of its own).
- Each token is hashed with :func:`zlib.crc32` of its UTF-8 bytes and each shingle by mixing its
  tokens' hashes (splitmix64 finaliser) into 31 bits. Both are stable, unlike :func:`hash`, which
  Python salts per process (``PYTHONHASHSEED``): the same texts give the same groups in every run.
- MinHash: ``num_perm`` hash functions ``(a * x + b) mod p`` with the Mersenne prime ``p = 2**31 - 1``
  and ``1 <= a < p``, ``0 <= b < p`` drawn from ``seed``. Products stay below ``2**62``, so the
  arithmetic is exact in ``int64``, and ``a`` ranges over the whole field: with a larger prime and
  ``a`` kept small enough for 64 bits, ``a * x`` barely wraps, the minimum follows the smallest ``x``
  and unrelated texts look alike. The share of equal signature entries estimates the Jaccard
  similarity, with standard error ``sqrt(J * (1 - J) / num_perm)`` (0.035 at J = 0.8, 128 hashes);
  a 31-bit shingle hash adds a negligible bias (two distinct shingles collide with odds 2**-31).
- LSH: signatures are cut into ``bands`` bands of ``rows`` entries; texts equal on a whole band are
  candidates, and a candidate pair is kept when its estimated similarity is ``>= threshold``.
  Groups are the connected components of kept pairs (union-find), labelled by their first text.
  A candidate pair whose texts are already in one group is not verified again: the groups are the
  same as with every pair verified, but a bucket of thousands of templated articles costs about a
  verification per article instead of one per pair, and memory stays flat.
"""

from __future__ import annotations

import re
import zlib
from array import array
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any

import numpy as np

from framing.errors import FramingError

__all__ = ["DedupResult", "choose_bands", "dedup", "near_duplicate_clusters"]

_WORD = re.compile(r"\w+")
_MERSENNE = (1 << 31) - 1
# A pair of texts exactly at the threshold must become a candidate with at least this probability.
_RECALL_AT_THRESHOLD = 0.99
# Work arrays (shingles x hashes, pairs x hashes) hold at most this many 4-byte entries, 16 MB;
# texts are read in batches of half that many tokens per hash, so memory stays flat at any size.
_WORK_ENTRIES = 1 << 22


@dataclass
class DedupResult:
    """Which texts to keep, and the near-duplicate groups behind that choice.

    Attributes
    ----------
    keep
        Boolean mask, one entry per text: ``True`` for the one text kept from each group.
    cluster
        Group label per text: the index of the group's first text (a text alone has its own index).
    n_clusters
        Number of groups with more than one text.
    n_removed
        Number of texts dropped (``len(keep) - keep.sum()``).
    pairs
        Why the groups formed: verified pairs ``(i, j, similarity)``, ``i < j``, sorted, that each
        joined two groups when found, so a group of ``k`` texts has ``k - 1`` pairs (a spanning
        tree), not all of its up to ``k * (k - 1) / 2`` similar pairs. ``similarity`` is the estimated
        Jaccard similarity (1.0 for identical signatures).
    """

    keep: np.ndarray
    cluster: np.ndarray
    n_clusters: int
    n_removed: int
    pairs: list[tuple[int, int, float]] = field(default_factory=list)


def choose_bands(threshold: float, num_perm: int) -> tuple[int, int]:
    """Pick ``(bands, rows)`` for LSH from the similarity threshold.

    Two texts with Jaccard similarity ``s`` share at least one band with probability
    ``1 - (1 - s**rows)**bands``. Missed pairs are lost for good, while spurious candidates only cost
    a verification, so the rule is: the longest bands (fewest spurious candidates) for which a pair
    exactly at ``threshold`` becomes a candidate with probability >= 0.99. ``bands = num_perm // rows``;
    when ``rows`` does not divide ``num_perm`` the last ``num_perm % rows`` signature entries take part
    in verification only. For ``threshold=0.8, num_perm=128`` this gives 21 bands of 6 rows: a pair at
    0.8 is a candidate with probability 0.998, a pair at 0.5 with 0.28, a pair at 0.3 with 0.015.

    Parameters
    ----------
    threshold
        Jaccard similarity from which texts count as near-duplicates, in (0, 1].
    num_perm
        Number of MinHash functions.

    Returns
    -------
    tuple of int
        ``(bands, rows)`` with ``bands * rows <= num_perm``.

    Examples
    --------
    >>> choose_bands(0.8, 128)
    (21, 6)
    >>> choose_bands(1.0, 128)
    (1, 128)
    """
    _check_threshold(threshold)
    _check_positive("num_perm", num_perm)
    for rows in range(num_perm, 0, -1):
        bands = num_perm // rows
        if 1.0 - (1.0 - threshold**rows) ** bands >= _RECALL_AT_THRESHOLD:
            return bands, rows
    return num_perm, 1


def near_duplicate_clusters(
    texts: Sequence[str],
    *,
    threshold: float = 0.8,
    shingle: int = 5,
    num_perm: int = 128,
    bands: int | None = None,
    seed: int = 0,
) -> np.ndarray:
    """Label each text with its near-duplicate group.

    Texts are in one group when a chain of pairs links them, each pair with an estimated Jaccard
    similarity of word ``shingle``-grams ``>= threshold``. The result depends only on the texts and
    the arguments: not on the process, the platform or ``PYTHONHASHSEED``.

    Parameters
    ----------
    texts
        The documents (a list of strings, not one string).
    threshold
        Jaccard similarity from which two texts count as near-duplicates, in (0, 1].
    shingle
        Words per shingle. Texts with fewer words form a single shingle of all their words.
    num_perm
        Number of MinHash functions: more is slower but estimates better.
    bands
        LSH bands; it must divide ``num_perm``. ``None`` chooses from ``threshold``
        (see :func:`choose_bands`).
    seed
        Seed for the MinHash functions.

    Returns
    -------
    numpy.ndarray
        ``int64`` array, one label per text: the index of the first text of its group. A text with
        no near-duplicate (or no words at all) keeps its own index.

    Raises
    ------
    TypeError
        ``texts`` is a single string.
    FramingError
        An argument is out of range, or an entry of ``texts`` is not a string.

    Examples
    --------
    >>> a = "Presiden meresmikan jembatan baru di Kalimantan Timur pada Senin pagi."
    >>> near_duplicate_clusters([a, "Harga cabai naik lagi.", a.upper()]).tolist()
    [0, 1, 0]
    """
    return _run(texts, threshold, shingle, num_perm, bands, seed)[0]


def dedup(texts: Sequence[str], *, order: Sequence[Any] | np.ndarray | None = None, **kwargs: Any) -> DedupResult:
    """Keep one text per near-duplicate group: the first by ``order``.

    Parameters
    ----------
    texts
        The documents.
    order
        One sort key per text, e.g. ``(published_at, id)`` tuples: in each group the text with the
        smallest key is kept (ties go to the earlier text). ``None`` keeps the first in input order.
    **kwargs
        ``threshold``, ``shingle``, ``num_perm``, ``bands``, ``seed``, as for
        :func:`near_duplicate_clusters`.

    Returns
    -------
    DedupResult
        The mask of texts to keep, the group labels and the pairs that linked them.

    Raises
    ------
    TypeError
        ``texts`` is a single string, or an unknown keyword is given.
    FramingError
        An argument is out of range, ``order`` has the wrong length, or its keys cannot be compared.

    Examples
    --------
    >>> a = "Presiden meresmikan jembatan baru di Kalimantan Timur pada Senin pagi."
    >>> result = dedup([a, "Harga cabai naik lagi.", a], order=["2025-06-20", "2025-06-19", "2025-06-18"])
    >>> result.keep.tolist(), result.n_removed
    ([False, True, True], 1)
    """
    unknown = sorted(set(kwargs) - {"threshold", "shingle", "num_perm", "bands", "seed"})
    if unknown:
        raise TypeError(f"dedup() got unexpected keyword arguments {unknown}; expected threshold, shingle, num_perm, bands, seed.")
    options = {"threshold": 0.8, "shingle": 5, "num_perm": 128, "bands": None, "seed": 0, **kwargs}
    cluster, pairs = _run(texts, **options)
    n = len(cluster)
    if order is None:
        ranking: Sequence[int] = range(n)
    else:
        keys = list(order)
        if len(keys) != n:
            raise FramingError(f"Got order with {len(keys)} keys, expected one per text ({n}).")
        try:
            ranking = sorted(range(n), key=keys.__getitem__)
        except TypeError as error:
            raise FramingError(f"Got order keys that cannot be compared ({error}); expected one sortable key per text, e.g. (published_at, id) with no missing values.") from None
    keep = np.zeros(n, dtype=bool)
    seen: set[int] = set()
    for index in ranking:
        label = int(cluster[index])
        if label not in seen:
            seen.add(label)
            keep[index] = True
    sizes = np.bincount(cluster, minlength=n) if n else np.zeros(0, dtype=np.int64)
    return DedupResult(
        keep=keep,
        cluster=cluster,
        n_clusters=int((sizes > 1).sum()),
        n_removed=int(n - keep.sum()),
        pairs=pairs,
    )


# -- validation ------------------------------------------------------------------------------


def _check_threshold(threshold: Any) -> None:
    if isinstance(threshold, bool) or not isinstance(threshold, Real) or not 0.0 < float(threshold) <= 1.0:
        raise FramingError(f"Got threshold={threshold!r}, expected a number in (0, 1], e.g. 0.8.")


def _check_positive(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 1:
        raise FramingError(f"Got {name}={value!r}, expected an integer >= 1.")


def _check_arguments(threshold: Any, shingle: Any, num_perm: Any, bands: Any, seed: Any) -> tuple[int, int]:
    _check_threshold(threshold)
    _check_positive("shingle", shingle)
    _check_positive("num_perm", num_perm)
    if isinstance(seed, bool) or not isinstance(seed, Integral) or seed < 0:
        raise FramingError(f"Got seed={seed!r}, expected an integer >= 0.")
    if bands is None:
        return choose_bands(float(threshold), int(num_perm))
    _check_positive("bands", bands)
    if num_perm % bands:
        divisors = [d for d in range(1, num_perm + 1) if num_perm % d == 0]
        raise FramingError(f"Got bands={bands!r}, expected a divisor of num_perm={num_perm}: one of {divisors}, or None to choose from the threshold.")
    return int(bands), int(num_perm) // int(bands)


# -- signatures ------------------------------------------------------------------------------


class _TokenHashes(dict):
    """crc32 of each distinct token, computed once per call."""

    def __missing__(self, token: str) -> int:
        value = self[token] = zlib.crc32(token.encode("utf-8", "surrogatepass"))
        return value


def _mix(values: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser, in place on a ``uint64`` array (wrap-around multiplication is intended)."""
    values ^= values >> np.uint64(30)
    values *= np.uint64(0xBF58476D1CE4E5B9)
    values ^= values >> np.uint64(27)
    values *= np.uint64(0x94D049BB133111EB)
    values ^= values >> np.uint64(31)
    return values


def _window_hashes(tokens: np.ndarray, width: int) -> np.ndarray:
    """31-bit hash of every run of ``width`` consecutive token hashes (order matters)."""
    count = len(tokens) - width + 1
    acc = np.full(count, np.uint64(width), dtype=np.uint64)
    for offset in range(width):
        acc = _mix(acc ^ tokens[offset : offset + count])
    return acc >> np.uint64(33)


def _batches(texts: Sequence[str], shingle: int, batch_tokens: int) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """Yield ``(index of the batch's first text, shingle hashes, owner)`` per batch of texts.

    ``owner`` gives, for each shingle, the index of its text within the batch, in ascending order.

    Texts without words contribute no shingle.
    """
    hashes = _TokenHashes()
    start = 0
    buffer = array("I")
    lengths: list[int] = []
    for index, text in enumerate(texts):
        if not isinstance(text, str):
            raise FramingError(f"Got texts[{index}]={text!r}, expected a string (use '' for a missing text).")
        before = len(buffer)
        buffer.extend(map(hashes.__getitem__, _WORD.findall(text.lower())))
        lengths.append(len(buffer) - before)
        if len(buffer) >= batch_tokens:
            yield start, *_shingles(buffer, lengths, shingle)
            start, buffer, lengths = index + 1, array("I"), []
    if lengths:
        yield start, *_shingles(buffer, lengths, shingle)


def _shingles(buffer: array, lengths: list[int], shingle: int) -> tuple[np.ndarray, np.ndarray]:
    tokens = np.frombuffer(buffer, dtype=np.dtype(f"u{buffer.itemsize}")).astype(np.uint64)
    sizes = np.asarray(lengths, dtype=np.int64)
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    owner = np.repeat(np.arange(len(sizes)), sizes)
    values: list[np.ndarray] = []
    owners: list[np.ndarray] = []
    if len(tokens) >= shingle:
        # Windows over the whole batch, then drop those that run past the end of their text.
        position = np.arange(len(tokens) - shingle + 1)
        inside = position - starts[owner[: len(position)]] <= sizes[owner[: len(position)]] - shingle
        values.append(_window_hashes(tokens, shingle)[inside])
        owners.append(owner[: len(position)][inside])
    for text in np.flatnonzero((sizes > 0) & (sizes < shingle)):
        values.append(_window_hashes(tokens[starts[text] : starts[text] + sizes[text]], int(sizes[text])))
        owners.append(np.array([text]))
    if not values:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.int64)
    value, owner_of = np.concatenate(values), np.concatenate(owners)
    by_text = np.argsort(owner_of, kind="stable")
    return value[by_text], owner_of[by_text]


def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    a = rng.integers(1, _MERSENNE, size=num_perm, dtype=np.int64)
    b = rng.integers(0, _MERSENNE, size=num_perm, dtype=np.int64)
    return a, b


def _permute(values: np.ndarray, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``(a * x + b) mod (2**31 - 1)`` for every value and hash function: shape (values, hashes).

    With ``a, b, x < 2**31`` every intermediate stays below ``2**62``: exact in ``int64``.
    """
    out = np.empty((len(values), len(a)), dtype=np.int32)
    values = values.astype(np.int64)
    # Pieces of about 1 MB stay in cache across the three passes, which is faster than one go.
    piece = max(1, (1 << 17) // len(a))
    for lo in range(0, len(values), piece):
        work = values[lo : lo + piece, None] * a[None, :]
        work += b
        work %= _MERSENNE
        out[lo : lo + piece] = work
    return out


def _signatures(texts: Sequence[str], shingle: int, num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """MinHash signatures (``int32``) of the texts that have words, and which texts those are."""
    a, b = _permutations(num_perm, seed)
    rows: list[np.ndarray] = []
    signed: list[np.ndarray] = []
    step = max(1, _WORK_ENTRIES // num_perm)
    for first, values, owner in _batches(texts, shingle, step // 2):
        if not len(values):
            continue
        starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
        ends = np.r_[starts[1:], len(owner)]
        signature = np.empty((len(starts), num_perm), dtype=np.int32)
        bounds = zip(starts.tolist(), ends.tolist())
        if len(values) <= step:
            hashed = _permute(values, a, b)
            # A loop of slice minima is about 20x faster than np.minimum.reduceat along axis 0.
            for row, (lo, hi) in enumerate(bounds):
                signature[row] = hashed[lo:hi].min(axis=0)
        else:  # a very long text in the batch: hash block by block
            for row, (lo, hi) in enumerate(bounds):
                mins = [_permute(values[at : min(at + step, hi)], a, b).min(axis=0) for at in range(lo, hi, step)]
                signature[row] = np.min(mins, axis=0)
        rows.append(signature)
        signed.append(owner[starts] + first)
    if not rows:
        return np.zeros((0, num_perm), dtype=np.int32), np.zeros(0, dtype=np.int64)
    return np.concatenate(rows), np.concatenate(signed)


# -- candidates, verification, groups --------------------------------------------------------


def _row_keys(block: np.ndarray) -> np.ndarray:
    """One 64-bit key per row of an integer matrix (equal rows, equal keys)."""
    key = np.full(len(block), np.uint64(block.shape[1]), dtype=np.uint64)
    for column in range(block.shape[1]):
        key = _mix(key ^ block[:, column].astype(np.uint64))
    return key


def _compress(parent: np.ndarray) -> np.ndarray:
    """Point every item straight at its root."""
    while True:
        grand = parent[parent]
        if np.array_equal(grand, parent):
            return parent
        parent = grand


def _hook(parent: np.ndarray, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Union-find, vectorised: join the groups of each pair; a root stays its group's smallest item.

    ``parent`` must be compressed (every item points at its root); the result is compressed too.
    """
    while len(left):
        low, high = np.minimum(parent[left], parent[right]), np.maximum(parent[left], parent[right])
        differ = low != high
        if not differ.any():
            break
        # Several pairs may hook one root: the smallest target wins, the rest are retried.
        np.minimum.at(parent, high[differ], low[differ])
        parent = _compress(parent)
        left, right = left[differ], right[differ]
    return parent


class _Linker:
    """Verify candidate pairs and join their groups, skipping pairs already in one group.

    Skipping is what keeps a big bucket (hundreds of templated articles sharing a band) from costing
    a verification per pair in every band: once its members are joined, later pairs are free.
    """

    def __init__(self, signature: np.ndarray, threshold: float) -> None:
        self.signature = signature
        self.need = threshold * signature.shape[1] - 1e-9
        self.parent = np.arange(len(signature))
        self.chunk = max(1, _WORK_ENTRIES // signature.shape[1])
        self.found: list[np.ndarray] = []  # rows (i, j, matches) of verified pairs, in the order found

    def link(self, left: np.ndarray, right: np.ndarray) -> None:
        for lo in range(0, len(left), self.chunk):
            i, j = left[lo : lo + self.chunk], right[lo : lo + self.chunk]
            apart = self.parent[i] != self.parent[j]
            i, j = i[apart], j[apart]
            matches = (self.signature[i] == self.signature[j]).sum(axis=1)
            ok = matches >= self.need
            if ok.any():
                self.found.append(np.stack([i[ok], j[ok], matches[ok]], axis=1))
                self.parent = _hook(self.parent, i[ok], j[ok])

    def band(self, keys: np.ndarray, rows: np.ndarray) -> None:
        """Link the rows whose band ``keys`` are equal (``rows`` ascending, one key per row)."""
        by_key = np.argsort(keys, kind="stable")
        sorted_keys = keys[by_key]
        starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
        sizes = np.diff(np.r_[starts, len(keys)])
        bucket = np.repeat(np.arange(len(starts)), sizes)
        later = sizes[bucket] - (np.arange(len(keys)) - starts[bucket]) - 1  # members after each one
        member = rows[by_key]
        active = np.flatnonzero(later > 0)
        # Pair each member with the ones 1, 2, ... places on in its bucket: near neighbours first, so
        # chains join groups early and most farther pairs are skipped; the window widens while the
        # number of pairs per round stays near `chunk`.
        near, width = 1, 1
        while len(active):
            root = self.parent[member]
            open_bucket = np.minimum.reduceat(root, starts) != np.maximum.reduceat(root, starts)
            active = active[open_bucket[bucket[active]]]
            if not len(active):
                break
            count = np.minimum(later[active] - near + 1, width)
            offset = np.repeat(np.cumsum(count) - count, count)
            position = np.repeat(active, count)
            self.link(member[position], member[position + near + np.arange(len(position)) - offset])
            near += width
            active = active[later[active] >= near]
            width = min(2 * width, max(1, self.chunk // max(1, len(active))))

    def pairs(self) -> np.ndarray:
        """The verified pairs that joined two groups, in the order found: ``(i, j, matches)`` rows.

        Pairs verified in one round may close a loop; a sequential pass keeps a forest.
        """
        if not self.found:
            return np.zeros((0, 3), dtype=np.int64)
        found = np.concatenate(self.found)
        root = list(range(len(self.parent)))

        def find(item: int) -> int:
            while root[item] != item:
                root[item] = root[root[item]]
                item = root[item]
            return item

        keep = []
        for index, (i, j) in enumerate(found[:, :2].tolist()):
            a, b = find(i), find(j)
            if a != b:
                root[max(a, b)] = min(a, b)
                keep.append(index)
        return found[keep]


def _run(texts: Sequence[str], threshold: float, shingle: int, num_perm: int, bands: int | None, seed: int) -> tuple[np.ndarray, list[tuple[int, int, float]]]:
    if isinstance(texts, (str, bytes)):
        raise TypeError("Got a single string for texts, expected a sequence of documents, e.g. [text].")
    n_bands, rows = _check_arguments(threshold, shingle, num_perm, bands, seed)
    signature, signed = _signatures(texts, int(shingle), int(num_perm), int(seed))
    cluster = np.arange(len(texts), dtype=np.int64)
    if len(signed) < 2:
        return cluster, []
    linker = _Linker(signature, float(threshold))

    # Identical signatures first, each text with the first of them (checked entry by entry, since
    # the row keys could collide): cheap, and it keeps exact copies out of the LSH buckets.
    _, first_of, inverse = np.unique(_row_keys(signature), return_index=True, return_inverse=True)
    first_of = first_of[inverse.reshape(-1)]
    same = np.flatnonzero(first_of != np.arange(len(signature)))
    same = same[(signature[same] == signature[first_of[same]]).all(axis=1)]
    linker.link(first_of[same], same)
    distinct = np.setdiff1d(np.arange(len(signature)), same)
    for band in range(n_bands):
        linker.band(_row_keys(signature[distinct, band * rows : (band + 1) * rows]), distinct)

    # Back from signature rows to texts (texts without words have no row); rows follow text order,
    # so a group's smallest row is its first text.
    cluster[signed] = signed[linker.parent]
    found = linker.pairs()
    linked = signed[found[:, :2]]
    order = np.lexsort((linked[:, 1], linked[:, 0]))
    pairs = [(i, j, matches / num_perm) for (i, j), matches in zip(linked[order].tolist(), found[order, 2].tolist())]
    return cluster, pairs
