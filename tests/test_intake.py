"""Intake: only exercise modules reach the workspace; every problem is a finding."""

import io
import os
import stat
import struct
import zipfile

from grader.intake.workspace import MAX_FILE_BYTES, prepare_workspace, zip_directory_size

MODULES = ("ex01_tensors.py", "ex02_ops.py")


def codes(ws):
    return {f.code for f in ws.findings}


def test_modules_are_taken_from_exercises_first(tmp_path):
    sub = tmp_path / "sub"
    (sub / "exercises").mkdir(parents=True)
    (sub / "exercises" / "ex01_tensors.py").write_text("A = 1\n")
    (sub / "ex01_tensors.py").write_text("A = 2\n")
    (sub / "solutions").mkdir()
    (sub / "solutions" / "ex02_ops.py").write_text("B = 1\n")
    ws = prepare_workspace(sub, MODULES, tmp_path / "ws")
    assert (ws.path / "ex01_tensors.py").read_text() == "A = 1\n"
    assert ws.modules == ["ex01_tensors.py", "ex02_ops.py"]


def test_files_that_could_configure_the_run_are_left_behind(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    for name in ("conftest.py", "pytest.ini", "sitecustomize.py", "evil.pth", "ex01_tensors.py"):
        (sub / name).write_text("x = 1\n")
    ws = prepare_workspace(sub, MODULES, tmp_path / "ws")
    assert sorted(os.listdir(ws.path)) == ["ex01_tensors.py"]
    ignored = next(f for f in ws.findings if f.code == "ignored_files")
    assert "conftest.py" in ignored.message and "sitecustomize.py" in ignored.message
    assert "missing_module" in codes(ws)


def test_symlinks_are_never_followed(tmp_path):
    secret = tmp_path / "secret.py"
    secret.write_text("SECRET = 1\n")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "ex01_tensors.py").symlink_to(secret)
    ws = prepare_workspace(sub, MODULES, tmp_path / "ws")
    assert "symlink" in codes(ws) and not (ws.path / "ex01_tensors.py").exists()
    assert ws.rejected


def test_oversized_and_non_utf8_modules_are_findings(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "ex01_tensors.py").write_bytes(b"#" * (MAX_FILE_BYTES + 10))
    (sub / "ex02_ops.py").write_bytes(b"x = '\xff\xfe'\n")
    ws = prepare_workspace(sub, MODULES, tmp_path / "ws")
    assert {"too_large", "not_utf8"} <= codes(ws) and ws.rejected


def test_empty_and_missing_submissions(tmp_path):
    (tmp_path / "empty").mkdir()
    assert "empty" in codes(prepare_workspace(tmp_path / "empty", MODULES, tmp_path / "ws1"))
    assert "not_found" in codes(prepare_workspace(tmp_path / "nope", MODULES, tmp_path / "ws2"))


def test_workspace_is_readable_by_an_unprivileged_worker(tmp_path):
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "ex01_tensors.py").write_text("A = 1\n")
    ws = prepare_workspace(sub, MODULES, tmp_path / "ws")
    assert stat.S_IMODE(os.stat(ws.path).st_mode) == 0o755
    assert stat.S_IMODE(os.stat(ws.path / "ex01_tensors.py").st_mode) == 0o644


def make_zip(path, entries, links=()):
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
        for name, target in links:
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return path


def test_a_zip_is_read_without_extracting_anything_unsafe(tmp_path):
    archive = make_zip(
        tmp_path / "alice.zip",
        {
            "alice-main/exercises/ex01_tensors.py": "A = 1\n",
            "../escape.py": "evil\n",
            "/abs/ex02_ops.py": "evil\n",
        },
        links=[("alice-main/exercises/ex02_ops.py", "/etc/passwd")],
    )
    ws = prepare_workspace(archive, MODULES, tmp_path / "ws")
    assert ws.modules == ["ex01_tensors.py"]
    unsafe = [f for f in ws.findings if f.code == "unsafe_zip_entry"]
    assert len(unsafe) == 3
    assert not (tmp_path / "escape.py").exists()


def test_corrupt_zips_and_zip_bombs(tmp_path):
    bad = tmp_path / "bad.zip"
    bad.write_bytes(b"PK\x03\x04 this is not really a zip")
    assert "bad_zip" in codes(prepare_workspace(bad, MODULES, tmp_path / "ws1"))
    with zipfile.ZipFile(tmp_path / "bomb.zip", "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("ex01_tensors.py", b"0" * (200 * 1024 * 1024))
    ws = prepare_workspace(tmp_path / "bomb.zip", MODULES, tmp_path / "ws2")
    assert ws.rejected and "zip bomb" in " ".join(f.message for f in ws.findings)


def test_a_zip_directory_too_big_is_refused_before_it_is_read(tmp_path):
    """An archive whose end record announces two million entries is refused from that record
    alone: zipfile would read them all (hundreds of MiB) before anything could count them."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ex01_tensors.py", "A = 1\n")
    data = bytearray(buffer.getvalue())
    end = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HHI", data, end + 8, 0xFFFF, 0xFFFF, 0xFFFFFFFF)  # zip64 markers...
    locator = struct.pack("<4sIQI", b"PK\x06\x07", 0, end, 1)  # ...and a zip64 record
    record = struct.pack(
        "<4sQHHIIQQQQ", b"PK\x06\x06", 44, 45, 45, 0, 0, 2_000_000, 2_000_000, 90 << 20, 0
    )
    archive = tmp_path / "huge.zip"
    archive.write_bytes(bytes(data[:end]) + record + locator + bytes(data[end:]))
    assert zip_directory_size(archive) == (2_000_000, 90 << 20)
    ws = prepare_workspace(archive, MODULES, tmp_path / "ws")
    assert ws.rejected and codes(ws) == {"zip_too_many_entries"}
