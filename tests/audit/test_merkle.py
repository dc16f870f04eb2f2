"""RFC 6962 Merkle tree: known vectors, an independent reference, audit paths and consistency proofs."""

from __future__ import annotations

import hashlib

import pytest

from xinyong.audit import merkle

pytestmark = pytest.mark.article("Art. 20(2)")


def sha(b: bytes) -> bytes:
    return hashlib.sha256(b).digest()


def ref_mth(data: list[bytes]) -> bytes:
    """RFC 6962 §2.1 written out directly, over the raw leaf data."""
    n = len(data)
    if n == 0:
        return sha(b"")
    if n == 1:
        return sha(b"\x00" + data[0])
    k = 1
    while k * 2 < n:
        k *= 2
    return sha(b"\x01" + ref_mth(data[:k]) + ref_mth(data[k:]))


def ref_path(m: int, data: list[bytes]) -> list[bytes]:
    n = len(data)
    if n == 1:
        return []
    k = 1
    while k * 2 < n:
        k *= 2
    if m < k:
        return ref_path(m, data[:k]) + [ref_mth(data[k:])]
    return ref_path(m - k, data[k:]) + [ref_mth(data[:k])]


def ref_proof(m: int, data: list[bytes]) -> list[bytes]:
    def sub(m, d, b):
        n = len(d)
        if m == n:
            return [] if b else [ref_mth(d)]
        k = 1
        while k * 2 < n:
            k *= 2
        if m <= k:
            return sub(m, d[:k], b) + [ref_mth(d[k:])]
        return sub(m - k, d[k:], False) + [ref_mth(d[:k])]
    return sub(m, data, True)


# The RFC 6962 test leaves (certificate-transparency reference implementation, merkle_tree_test).
RFC_LEAVES = [bytes.fromhex(h) for h in ["", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                                          "606162636465666768696a6b6c6d6e6f"]]
RFC_ROOTS = [
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
]


def leaves(data):
    return [merkle.leaf_hash(d) for d in data]


def test_empty_tree_is_the_hash_of_nothing():
    assert merkle.root([]).hex() == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    assert merkle.Frontier().root() == merkle.EMPTY_ROOT


def test_rfc6962_roots_for_the_first_one_to_eight_leaves():
    for n in range(1, 9):
        assert merkle.root(leaves(RFC_LEAVES[:n])).hex() == RFC_ROOTS[n - 1], n
        assert ref_mth(RFC_LEAVES[:n]).hex() == RFC_ROOTS[n - 1]


def test_roots_agree_with_the_reference_and_the_frontier_round_trips():
    data = [f"event {i}".encode() for i in range(70)]
    f = merkle.Frontier()
    for n, d in enumerate(data, start=1):
        f.append(merkle.leaf_hash(d))
        assert f.root() == ref_mth(data[:n]) == merkle.subtree_root(leaves(data[:n]))
        again = merkle.Frontier.from_hex(f.size, f.to_hex())
        assert again.root() == f.root()
    with pytest.raises(ValueError):
        merkle.Frontier(3, [merkle.EMPTY_ROOT])


def test_audit_paths_match_the_reference_and_verify():
    data = [f"leaf {i}".encode() for i in range(17)]
    for n in range(1, len(data) + 1):
        hs = leaves(data[:n])
        r = merkle.root(hs)
        for m in range(n):
            proof = merkle.inclusion_proof(m, hs)
            assert proof == ref_path(m, data[:n])
            assert merkle.verify_inclusion(m, n, hs[m], proof, r)
            assert not merkle.verify_inclusion(m, n, merkle.leaf_hash(b"other"), proof, r)
            if n > 1:
                assert not merkle.verify_inclusion((m + 1) % n, n, hs[m], proof, r)


def test_consistency_proofs_match_the_reference_verify_and_catch_a_changed_prefix():
    data = [f"leaf {i}".encode() for i in range(33)]
    for n in range(1, len(data) + 1):
        hs = leaves(data[:n])
        second = merkle.root(hs)
        for m in range(1, n + 1):
            proof = merkle.consistency_proof(m, hs)
            assert proof == ref_proof(m, data[:n]), (m, n)
            old = merkle.Frontier()
            for h in hs[:m]:
                old.append(h)
            assert merkle.extension_proof(old, hs[m:]) == proof
            first = merkle.root(hs[:m])
            assert merkle.verify_consistency(m, n, first, second, proof), (m, n)
            if m < n:
                # a tree whose first m leaves differ is not a prefix
                forged = merkle.root([merkle.leaf_hash(b"x")] + hs[1:m])
                assert not merkle.verify_consistency(m, n, forged, second, proof)
                assert not merkle.verify_consistency(m, n, first, merkle.leaf_hash(b"y"), proof)
                assert not merkle.verify_consistency(m, n, first, second, proof[:-1])


def test_rfc6962_consistency_vectors():
    hs = leaves(RFC_LEAVES)
    # certificate-transparency's reference proofs for (1,1), (1,8), (6,8), (2,5)
    assert merkle.consistency_proof(1, hs[:1]) == []
    assert [h.hex() for h in merkle.consistency_proof(1, hs)] == [
        "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
    ]
    assert [h.hex() for h in merkle.consistency_proof(6, hs)] == [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ]
    assert [h.hex() for h in merkle.consistency_proof(2, hs[:5])] == [
        "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
        "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
    ]
