"""Photo evidence without a database: the content-addressed store, and what the bytes say
about an image (its type and size), refusing anything that is not a whole image header."""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

import pytest

from revalue.evidence import images
from revalue.evidence.store import FilesystemStore, PhotoMissing, PhotoStore
from tests import images as make

MB = 1024 * 1024


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


# The store


def test_a_photo_is_stored_under_its_sha256_in_sharded_directories(tmp_path):
    store: PhotoStore = FilesystemStore(tmp_path / "evidence")
    data = make.png()
    sha = hashlib.sha256(data).hexdigest()
    assert store.put(data) == sha
    assert _files(tmp_path / "evidence") == [tmp_path / "evidence" / sha[:2] / sha[2:4] / sha]
    assert store.read(sha) == data
    assert store.exists(sha)


def test_the_store_directory_is_made_at_first_use_owner_only(tmp_path):
    root = tmp_path / "var" / "evidence"
    store = FilesystemStore(root)
    assert not root.exists()  # making the store writes nothing
    sha = store.put(make.jpeg())
    for folder in (root, root / sha[:2], root / sha[:2] / sha[2:4]):
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700, folder


def test_a_stored_file_is_read_only(tmp_path):
    store = FilesystemStore(tmp_path)
    sha = store.put(make.png())
    (path,) = _files(tmp_path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o400
    assert path.name == sha


def test_storing_the_same_bytes_again_changes_nothing(tmp_path):
    store = FilesystemStore(tmp_path)
    data = make.webp_lossy()
    sha = store.put(data)
    (path,) = _files(tmp_path)
    before = path.stat()
    assert store.put(data) == sha
    assert _files(tmp_path) == [path]
    assert path.stat().st_ino == before.st_ino  # not even rewritten
    assert path.stat().st_mtime_ns == before.st_mtime_ns


def test_different_bytes_are_different_files(tmp_path):
    store = FilesystemStore(tmp_path)
    a, b = store.put(make.png(seed=1)), store.put(make.png(seed=2))
    assert a != b
    assert len(_files(tmp_path)) == 2


def test_a_failed_write_leaves_no_file_and_no_temporary(tmp_path, monkeypatch):
    store = FilesystemStore(tmp_path)

    def crash(fd):  # type: ignore[no-untyped-def]
        raise OSError("disk full")

    monkeypatch.setattr(os, "fsync", crash)
    with pytest.raises(OSError, match="disk full"):
        store.put(make.png())
    monkeypatch.undo()
    assert _files(tmp_path) == []
    assert not store.exists(hashlib.sha256(make.png()).hexdigest())


def test_the_file_appears_whole_under_its_name_or_not_at_all(tmp_path, monkeypatch):
    """The bytes go to a temporary file, synced, then renamed onto the final name."""
    store = FilesystemStore(tmp_path)
    data = make.png(40, 30)
    seen = []
    real_replace = os.replace

    def replace(src, dst):  # type: ignore[no-untyped-def]
        seen.append((Path(src).name, Path(dst).exists(), Path(src).read_bytes() == data))
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    sha = store.put(data)
    ((temporary, existed, whole),) = seen
    assert temporary.startswith(f".{sha}.") and temporary.endswith(".tmp")
    assert not existed and whole


def test_reading_a_missing_photo_says_so(tmp_path):
    store = FilesystemStore(tmp_path)
    with pytest.raises(PhotoMissing):
        store.read("0" * 64)
    assert not store.exists("0" * 64)


@pytest.mark.parametrize("name", ["../../etc/passwd", "ABCDEF" * 10 + "ABCD", "0" * 63, ""])
def test_only_a_sha256_names_a_file(tmp_path, name):
    store = FilesystemStore(tmp_path)
    with pytest.raises(ValueError):
        store.read(name)
    with pytest.raises(ValueError):
        store.exists(name)


# What the bytes say


@pytest.mark.parametrize(
    ("data", "content_type", "size"),
    [
        (make.png(3, 2), "image/png", (3, 2)),
        (make.png(1, 1000), "image/png", (1, 1000)),
        (make.jpeg(4, 3), "image/jpeg", (4, 3)),
        (make.jpeg(4000, 3000, exif_first=True), "image/jpeg", (4000, 3000)),
        (make.webp_lossy(5, 4), "image/webp", (5, 4)),
        (make.webp_lossless(6, 7), "image/webp", (6, 7)),
        (make.webp_lossless(16384, 1), "image/webp", (16384, 1)),
        (make.webp_extended(300, 200), "image/webp", (300, 200)),
        (make.heic(4032, 3024), "image/heic", (4032, 3024)),
    ],
)
def test_the_type_and_size_come_from_the_header(data, content_type, size):
    image = images.identify(data, declared=None, max_bytes=MB)
    assert (image.content_type, (image.width, image.height)) == (content_type, size)


def test_a_heic_size_is_the_primary_items_not_its_thumbnails():
    image = images.identify(make.heic(4032, 3024), declared="image/heic", max_bytes=MB)
    assert (image.width, image.height) == (4032, 3024)  # the thumbnail is 320x240


@pytest.mark.parametrize(
    "declared", [None, "", "application/octet-stream", "image/png", "IMAGE/PNG; q=1"]
)
def test_an_agreeing_or_unknown_declared_type_is_accepted(declared):
    assert images.identify(make.png(), declared=declared, max_bytes=MB).content_type == "image/png"


@pytest.mark.parametrize(
    ("data", "declared"),
    [(make.jpeg(), "image/jpg"), (make.jpeg(), "image/pjpeg"), (make.heic(), "image/heif")],
)
def test_common_aliases_of_a_type_agree_with_it(data, declared):
    images.identify(data, declared=declared, max_bytes=MB)


def _refused(error: type, data: bytes, declared: str | None = None, max_bytes: int = MB):  # type: ignore[no-untyped-def]
    with pytest.raises(error) as caught:
        images.identify(data, declared=declared, max_bytes=max_bytes)
    assert caught.value.details["field"] == "photo"
    assert caught.value.message
    return caught.value


def test_a_text_file_is_not_an_image():
    err = _refused(images.NotAnImage, b"hello, this is not a photo\n", "text/plain")
    assert err.code == "not_an_image"
    assert err.details["accepted"] == ["image/jpeg", "image/png", "image/webp", "image/heic"]


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a\x01\x00\x01\x00\x00\x00\x00;",  # an image, but not one we take
        b"%PDF-1.7\n",
        b"\x00" * 64,
    ],
)
def test_other_files_are_not_images(data):
    _refused(images.NotAnImage, data)


def test_an_empty_photo_is_refused():
    assert _refused(images.EmptyPhoto, b"", "image/png").code == "photo_empty"


@pytest.mark.parametrize(
    "data",
    [
        make.png()[:20],  # cut inside IHDR
        make.png()[:30],  # IHDR without its CRC
        make.png()[:16] + b"\xff" * 8 + make.png()[24:],  # IHDR that fails its CRC
        make.jpeg()[:10],  # cut before the frame header
        make.jpeg()[:24],  # cut inside it
        b"\xff\xd8\xff\xda" + b"\x00" * 20,  # a scan before any frame header
        make.webp_lossy()[:27],
        make.webp_lossless()[:22],
        make.webp_extended()[:28],
        make.webp_lossy().replace(b"VP8 ", b"VP9 "),  # no chunk we know
        make.heic()[:60],  # cut inside the meta box
    ],
)
def test_a_truncated_or_damaged_header_is_refused(data):
    err = _refused(images.NotAnImage, data)
    assert "truncated or damaged" in err.message


def test_a_header_with_no_size_is_refused():
    _refused(images.NotAnImage, make.png(0, 5))


def test_a_photo_of_another_type_than_declared_is_refused():
    err = _refused(images.PhotoTypeMismatch, make.png(), "image/jpeg")
    assert err.code == "photo_type_mismatch"
    assert (err.details["declared"], err.details["found"]) == ("image/jpeg", "image/png")


def test_a_photo_over_the_limit_is_refused_and_one_at_the_limit_is_not():
    data = make.png(50, 50)
    images.identify(data, declared=None, max_bytes=len(data))
    err = _refused(images.PhotoTooLarge, data, max_bytes=len(data) - 1)
    assert err.code == "photo_too_large"
    assert err.details["max_bytes"] == len(data) - 1
