"""RFC 6962 Merkle tree hashes, audit paths and consistency proofs (verification as in RFC 9162 §2.1).

Leaf hash ``SHA-256(0x00 || leaf)``, node hash ``SHA-256(0x01 || left || right)``, the empty tree
``SHA-256("")``, and for ``n > 1`` leaves ``MTH(D[n]) = node(MTH(D[0:k]), MTH(D[k:n]))`` with ``k``
the largest power of two smaller than ``n``. Hashes here are raw 32-byte ``bytes``.

``Frontier`` is the compact range of a tree: the roots of the perfect subtrees that make up its
first ``size`` leaves (one per set bit of ``size``). It extends by one leaf in amortised O(1) and
gives the root of the tree so far in O(log n): sealing extends the previous checkpoint's frontier,
verification streams the whole log once and checks every checkpoint on the way.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def split(n: int) -> int:
    """The largest power of two smaller than ``n`` (``n > 1``)."""
    if n < 2:
        raise ValueError("split needs at least two leaves")
    return 1 << ((n - 1).bit_length() - 1)


def subtree_root(leaves: Sequence[bytes], start: int = 0, end: int | None = None) -> bytes:
    """MTH of the leaf hashes ``leaves[start:end]``."""
    end = len(leaves) if end is None else end
    n = end - start
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[start]
    k = split(n)
    return node_hash(subtree_root(leaves, start, start + k), subtree_root(leaves, start + k, end))


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH of a list of leaf hashes (already ``leaf_hash``-ed)."""
    f = Frontier()
    for h in leaves:
        f.append(h)
    return f.root()


def ranges(size: int) -> list[tuple[int, int]]:
    """The leaf ranges of the perfect subtrees of a tree of ``size`` leaves, left to right."""
    out, start = [], 0
    for bit in range(size.bit_length() - 1, -1, -1):
        if size >> bit & 1:
            out.append((start, start + (1 << bit)))
            start += 1 << bit
    return out


class Frontier:
    """The compact range of the first ``size`` leaves: one subtree root per set bit of ``size``."""

    __slots__ = ("size", "nodes")

    def __init__(self, size: int = 0, nodes: Sequence[bytes] = ()) -> None:
        if len(nodes) != bin(size).count("1"):
            raise ValueError(f"a frontier of {size} leaves has {bin(size).count('1')} nodes, not {len(nodes)}")
        self.size = size
        self.nodes = list(nodes)

    def append(self, leaf: bytes) -> None:
        self.nodes.append(leaf)
        self.size += 1
        # Merge equal-height subtrees: one merge per trailing one-bit that the increment cleared.
        carry = self.size
        while carry & 1 == 0:
            right = self.nodes.pop()
            self.nodes[-1] = node_hash(self.nodes[-1], right)
            carry >>= 1

    def root(self) -> bytes:
        if not self.nodes:
            return EMPTY_ROOT
        acc = self.nodes[-1]
        for node in reversed(self.nodes[:-1]):
            acc = node_hash(node, acc)
        return acc

    def by_range(self) -> dict[tuple[int, int], bytes]:
        return dict(zip(ranges(self.size), self.nodes, strict=True))

    def copy(self) -> Frontier:
        return Frontier(self.size, self.nodes)

    def to_hex(self) -> list[str]:
        return [n.hex() for n in self.nodes]

    @classmethod
    def from_hex(cls, size: int, nodes: Sequence[str]) -> Frontier:
        return cls(size, [bytes.fromhex(n) for n in nodes])


# --- audit paths (RFC 6962 §2.1.1) -------------------------------------------------------------


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(m, D[n]): the audit path of leaf ``index`` in the tree of ``leaves``."""

    def path(m: int, start: int, end: int) -> list[bytes]:
        n = end - start
        if n <= 1:
            return []
        k = split(n)
        if m < k:
            return path(m, start, start + k) + [subtree_root(leaves, start + k, end)]
        return path(m - k, start + k, end) + [subtree_root(leaves, start, start + k)]

    if not 0 <= index < len(leaves):
        raise ValueError("leaf index out of range")
    return path(index, 0, len(leaves))


def verify_inclusion(index: int, size: int, leaf: bytes, proof: Sequence[bytes], root_hash: bytes) -> bool:
    """RFC 9162 §2.1.3.2: does ``leaf`` sit at ``index`` in the tree of ``size`` with ``root_hash``?"""
    if index >= size or index < 0:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while True:
                    fn >>= 1
                    sn >>= 1
                    if fn & 1 or fn == 0:
                        break
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root_hash


# --- consistency proofs (RFC 6962 §2.1.2) ------------------------------------------------------


def consistency_proof_with(m: int, n: int, node: Callable[[int, int], bytes]) -> list[bytes]:
    """PROOF(m, D[n]), asking ``node(start, end)`` for the MTH of each subtree it needs."""
    if not 0 < m <= n:
        raise ValueError("a consistency proof needs 0 < m <= n")

    def sub(m: int, start: int, end: int, whole: bool) -> list[bytes]:
        n = end - start
        if m == n:
            return [] if whole else [node(start, end)]
        k = split(n)
        if m <= k:
            return sub(m, start, start + k, whole) + [node(start + k, end)]
        return sub(m - k, start + k, end, False) + [node(start, start + k)]

    return sub(m, 0, n, True)


def consistency_proof(m: int, leaves: Sequence[bytes]) -> list[bytes]:
    return consistency_proof_with(m, len(leaves), lambda a, b: subtree_root(leaves, a, b))


def extension_proof(old: Frontier, new_leaves: Sequence[bytes]) -> list[bytes]:
    """The consistency proof from the tree of ``old`` to it extended by ``new_leaves``.

    Every node of the proof lies either in the old tree, where it is one of the old frontier's
    subtrees, or among the new leaves: the old leaves themselves are not needed.
    """
    m = old.size
    known = old.by_range()

    def node(a: int, b: int) -> bytes:
        if b <= m:
            return known[(a, b)]
        if a >= m:
            return subtree_root(new_leaves, a - m, b - m)
        raise AssertionError("a consistency proof never needs a subtree across the old tree's edge")

    return consistency_proof_with(m, m + len(new_leaves), node)


def verify_consistency(m: int, n: int, first: bytes, second: bytes, proof: Sequence[bytes]) -> bool:
    """RFC 9162 §2.1.4.2: is the tree of ``m`` leaves with root ``first`` a prefix of ``second``'s?"""
    if m < 0 or m > n:
        return False
    if m == n:
        return not proof and first == second
    if m == 0:
        return not proof  # the empty tree is a prefix of every tree
    if not proof:
        return False
    path = list(proof)
    if m & (m - 1) == 0:
        path.insert(0, first)
    fn, sn = m - 1, n - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while True:
                    fn >>= 1
                    sn >>= 1
                    if fn & 1 or fn == 0:
                        break
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first and sr == second and sn == 0
