"""md.set_num_threads("auto") / choose_num_threads: a measured choice among the candidates."""

import pytest

import mathdl as md
from mathdl import backend


@pytest.fixture
def restore_threads():
    pytest.importorskip("threadpoolctl", reason="threadpoolctl is an optional dependency")
    previous = md.get_num_threads()
    yield
    md.set_num_threads(previous)


def test_choose_num_threads_keeps_one_of_the_candidates(restore_threads):
    chosen = backend.choose_num_threads(candidates=[1, 2], size=64, repeats=2)
    assert chosen in (1, 2)
    assert md.get_num_threads() == chosen


def test_auto_sets_a_measured_count(restore_threads):
    md.set_num_threads("auto")
    assert 1 <= md.get_num_threads() <= 4


def test_bad_candidates_are_refused(restore_threads):
    with pytest.raises(ValueError, match="candidates"):
        backend.choose_num_threads(candidates=[0, 2])
    with pytest.raises(ValueError, match="candidates"):
        backend.choose_num_threads(candidates=[])
