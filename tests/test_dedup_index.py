"""The in-memory retrieval index: postings, the window, and segments that merge."""

from __future__ import annotations

import random

from monitor.dedup import KeyIndex, decode_keys, encode_keys


def _brute(filed: dict[int, list[int]], keys: list[int], first_id: int) -> dict[int, list[int]]:
    found: dict[int, list[int]] = {}
    for report_id in sorted(filed):
        if report_id < first_id:
            continue
        for key in keys:
            if key in filed[report_id]:
                found.setdefault(key, []).append(report_id)
    return found


def test_postings_list_the_originals_under_each_key() -> None:
    index = KeyIndex()
    index.add(1, [10, 20, 30])
    index.add(2, [20, 30, 40, 50])
    assert index.postings([20, 30, 50, 99]) == ({20: [1, 2], 30: [1, 2], 50: [2]}, set())
    assert index.postings([20, 30, 50, 99], common_at=2) == ({50: [2]}, {20, 30})
    assert index.postings([]) == ({}, set())
    assert index.key_counts == {1: 3, 2: 4}
    assert index.last_id == 2


def test_keys_round_trip_through_the_stored_form() -> None:
    keys = [0, 1, -1, (1 << 63) - 1, -(1 << 63)]
    assert decode_keys(encode_keys(keys)).tolist() == keys
    assert len(encode_keys(keys)) == 8 * len(keys)


def test_the_window_leaves_older_originals_out() -> None:
    index = KeyIndex(buffer_max=4, segment_max=16)
    for report_id in range(1, 21):
        index.add(report_id, [report_id % 3, 100 + report_id])
    index.forget_before(15)
    assert index.postings([0, 1, 2, 101, 120])[0] == {
        0: [15, 18],
        1: [16, 19],
        2: [17, 20],
        120: [20],
    }
    # Only what is inside the window counts towards a key being common.
    assert index.postings([0, 1, 120], common_at=2) == ({120: [20]}, {0, 1})
    assert sorted(index.key_counts) == list(range(15, 21))


def test_segments_answer_like_a_scan_however_they_were_filled() -> None:
    rng = random.Random(7)
    filed = {r: rng.sample(range(300), 12) for r in range(1, 801)}
    one_by_one = KeyIndex(buffer_max=50, segment_max=2_000)
    for report_id, keys in filed.items():
        one_by_one.add(report_id, keys)
    loaded = KeyIndex(buffer_max=50, segment_max=2_000)
    rows = [(r, encode_keys(k)) for r, k in filed.items()]
    loaded.add_rows(rows[:700])  # many at once, as on start-up
    loaded.add_rows(rows[700:702])  # then a few, as each report is stored
    loaded.add_rows(rows[702:])
    assert len(loaded) == len(one_by_one) == 800 * 12
    for first_id in (0, 300, 750):
        one_by_one.forget_before(first_id)
        loaded.forget_before(first_id)
        for _ in range(20):
            asked = rng.sample(range(320), 15)
            expected = _brute(filed, asked, first_id)
            assert one_by_one.postings(asked)[0] == expected
            assert loaded.postings(asked)[0] == expected
            rare, common = loaded.postings(asked, common_at=3)
            assert rare == {k: v for k, v in expected.items() if len(v) < 3}
            assert common == {k for k, v in expected.items() if len(v) >= 3}
    assert loaded.key_counts == one_by_one.key_counts


def test_merged_segments_stay_few_and_bounded() -> None:
    index = KeyIndex(buffer_max=10, segment_max=200)
    for report_id in range(1, 1001):
        index.add(report_id, [report_id, report_id + 1])
    sizes = [len(s) for s in index._segments]
    assert sum(sizes) + index._buffered == 2000
    assert max(sizes) <= 200
    assert len(sizes) <= 20
