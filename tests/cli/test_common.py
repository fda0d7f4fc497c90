"""Shared pieces of the subcommands: ``free_path`` names a file or run folder that does not exist yet."""

from mathdl.cli.common import free_path


def test_free_path_never_names_an_existing_file_or_run_folder(tmp_path):
    picture = tmp_path / "photo.png"
    assert free_path(str(picture)) == str(picture)
    picture.write_bytes(b"")
    assert free_path(str(picture)) == str(tmp_path / "photo-2.png")
    (tmp_path / "photo-2.png").write_bytes(b"")
    assert free_path(str(picture)) == str(tmp_path / "photo-3.png")
    run = tmp_path / "20261206-060000"  # mathdl train's default --out: a folder, no extension
    run.mkdir()
    assert free_path(str(run)) == str(tmp_path / "20261206-060000-2")
