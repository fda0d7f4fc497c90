"""Checksummed, atomic downloads against a local HTTP server."""

import hashlib
import os

import pytest

from mathdl.data.datasets.download import DownloadError, cache_folder, cache_root, download, file_digest

PAYLOAD = b"mathdl download test payload\n" * 100


def _sha256(data):
    return hashlib.sha256(data).hexdigest()


def _leftovers(folder):
    return sorted(os.listdir(folder)) if os.path.isdir(folder) else []


def test_good_download_lands_with_its_bytes_and_no_temp_files(http_folder, tmp_path):
    served, base = http_folder
    (served / "file.bin").write_bytes(PAYLOAD)
    destination = tmp_path / "out" / "file.bin"
    result = download(base + "file.bin", destination, _sha256(PAYLOAD))
    assert result == destination
    assert destination.read_bytes() == PAYLOAD
    assert _leftovers(tmp_path / "out") == ["file.bin"]


def test_corrupt_download_raises_with_hashes_and_leaves_nothing(http_folder, tmp_path):
    served, base = http_folder
    (served / "file.bin").write_bytes(PAYLOAD[:-1] + b"X")
    expected = _sha256(PAYLOAD)
    out = tmp_path / "out"
    with pytest.raises(DownloadError) as info:
        download(base + "file.bin", out / "file.bin", expected)
    message = str(info.value)
    assert base + "file.bin" in message
    assert expected in message
    assert _sha256(PAYLOAD[:-1] + b"X") in message
    assert _leftovers(out) == []


def test_unreachable_server_raises_clear_error(closed_port_url, tmp_path):
    with pytest.raises(DownloadError) as info:
        download(closed_port_url + "file.bin", tmp_path / "file.bin", _sha256(PAYLOAD), timeout=5)
    assert "cannot connect" in str(info.value)
    assert closed_port_url + "file.bin" in str(info.value)
    assert _leftovers(tmp_path) == []


def test_http_404_is_reported(http_folder, tmp_path):
    _, base = http_folder
    with pytest.raises(DownloadError, match="HTTP 404"):
        download(base + "missing.bin", tmp_path / "missing.bin", _sha256(PAYLOAD))
    assert _leftovers(tmp_path) == ["served"]


def test_cut_off_download_leaves_nothing(truncating_url, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(DownloadError) as info:
        download(truncating_url + "file.bin", out / "file.bin", _sha256(PAYLOAD))
    assert truncating_url + "file.bin" in str(info.value)
    assert _leftovers(out) == []


def test_falls_back_to_the_next_mirror_and_reports_all_failures(http_folder, closed_port_url, tmp_path):
    served, base = http_folder
    (served / "file.bin").write_bytes(PAYLOAD)
    destination = tmp_path / "file.bin"
    download([closed_port_url + "file.bin", base + "file.bin"], destination, _sha256(PAYLOAD), timeout=5)
    assert destination.read_bytes() == PAYLOAD
    with pytest.raises(DownloadError) as info:
        download(
            [closed_port_url + "file.bin", base + "nope.bin"], tmp_path / "x.bin", _sha256(PAYLOAD), timeout=5
        )
    assert "cannot connect" in str(info.value) and "HTTP 404" in str(info.value)


def test_failed_download_keeps_an_existing_good_file(http_folder, tmp_path):
    served, base = http_folder
    (served / "file.bin").write_bytes(b"wrong bytes")
    destination = tmp_path / "file.bin"
    destination.write_bytes(PAYLOAD)
    with pytest.raises(DownloadError):
        download(base + "file.bin", destination, _sha256(PAYLOAD))
    assert destination.read_bytes() == PAYLOAD


def test_md5_checksums_are_accepted(http_folder, tmp_path):
    served, base = http_folder
    (served / "file.bin").write_bytes(PAYLOAD)
    download(base + "file.bin", tmp_path / "f.bin", hashlib.md5(PAYLOAD).hexdigest(), algorithm="md5")
    assert file_digest(tmp_path / "f.bin", "md5") == hashlib.md5(PAYLOAD).hexdigest()


def test_misuse(tmp_path):
    with pytest.raises(ValueError, match="no URLs"):
        download([], tmp_path / "f", "00")
    with pytest.raises(ValueError, match="algorithm"):
        download("http://127.0.0.1/x", tmp_path / "f", "00", algorithm="sha1")
    with pytest.raises(DownloadError, match="not-a-url"):
        download("not-a-url", tmp_path / "f", "00")


def test_cache_folder_follows_MATHDL_DATA(monkeypatch, tmp_path):
    monkeypatch.setenv("MATHDL_DATA", str(tmp_path))
    assert cache_root() == str(tmp_path)
    assert cache_folder("mnist") == os.path.join(str(tmp_path), "mnist")
    monkeypatch.delenv("MATHDL_DATA")
    assert cache_root() == os.path.join(os.path.expanduser("~"), ".cache", "mathdl")


def test_several_checksums_must_all_match(http_folder, tmp_path):
    served, base = http_folder
    (served / "file.bin").write_bytes(PAYLOAD)
    both = {"sha256": _sha256(PAYLOAD), "md5": hashlib.md5(PAYLOAD).hexdigest()}
    download(base + "file.bin", tmp_path / "ok.bin", both)
    assert (tmp_path / "ok.bin").read_bytes() == PAYLOAD
    wrong_md5 = {"sha256": _sha256(PAYLOAD), "md5": "0" * 32}
    with pytest.raises(DownloadError, match="MD5 mismatch.*expected 0{32}"):
        download(base + "file.bin", tmp_path / "bad.bin", wrong_md5)
    assert not (tmp_path / "bad.bin").exists()
    with pytest.raises(ValueError, match="algorithm must be"):
        download(base + "file.bin", tmp_path / "x.bin", {"sha1": "00"})
    with pytest.raises(ValueError, match="no checksum"):
        download(base + "file.bin", tmp_path / "x.bin", {})
