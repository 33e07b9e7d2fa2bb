"""Build ordinary and hostile zip archives on the fly for the package tests.

Python's ``zipfile`` refuses to write some of the things an attacker can put in an archive
(lying sizes, encryption flags, odd compression methods), so :func:`patch_entry` rewrites
fields of the central directory (and the local header) of an archive already built.
"""

from __future__ import annotations

import io
import stat
import struct
import warnings
import zipfile
import zlib
from collections.abc import Iterable
from pathlib import Path

MANIFEST_12 = b"""<?xml version="1.0"?>
<manifest identifier="test.pkg" version="1"
    xmlns="http://www.imsproject.org/xsd/imscp_rootv1p1p2"
    xmlns:adlcp="http://www.adlnet.org/xsd/adlcp_rootv1p2">
  <metadata><schema>ADL SCORM</schema><schemaversion>1.2</schemaversion></metadata>
  <organizations default="org">
    <organization identifier="org">
      <title>Test course</title>
      <item identifier="i1" identifierref="r1"><title>Lesson</title></item>
    </organization>
  </organizations>
  <resources>
    <resource identifier="r1" type="webcontent" adlcp:scormtype="sco" href="index.html">
      <file href="index.html"/>
    </resource>
  </resources>
</manifest>
"""


def build_zip(
    entries: Iterable[tuple[str | zipfile.ZipInfo, bytes]],
    compression: int = zipfile.ZIP_DEFLATED,
) -> bytes:
    """A zip holding ``entries`` (name or ZipInfo, content), duplicates allowed."""
    buf = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        with zipfile.ZipFile(buf, "w", compression) as zf:
            for name, data in entries:
                zf.writestr(name, data, compress_type=compression)
    return buf.getvalue()


def write(path: Path, data: bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def package(*extra: tuple[str | zipfile.ZipInfo, bytes], manifest: bytes = MANIFEST_12) -> bytes:
    """A small valid SCORM 1.2 package plus ``extra`` entries."""
    return build_zip(
        [("imsmanifest.xml", manifest), ("index.html", b"<html>lesson</html>"), *extra]
    )


def special_info(name: str, mode: int) -> zipfile.ZipInfo:
    """A ZipInfo whose Unix mode (high 16 bits of external_attr) is ``mode``."""
    info = zipfile.ZipInfo(name)
    info.create_system = 3  # Unix
    info.external_attr = mode << 16
    return info


def symlink_info(name: str) -> zipfile.ZipInfo:
    return special_info(name, stat.S_IFLNK | 0o777)


def zero_bomb(size: int, name: str = "zeros.bin", chunk: int = 1 << 20) -> bytes:
    """A valid package with one deflated entry of ``size`` zero bytes, streamed in chunks."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("imsmanifest.xml", MANIFEST_12)
        zf.writestr("index.html", b"<html></html>")
        block = bytes(chunk)
        with zf.open(name, "w") as out:
            left = size
            while left:
                n = min(left, chunk)
                out.write(block[:n])
                left -= n
    return buf.getvalue()


def patch_entry(
    data: bytes,
    name: str,
    *,
    file_size: int | None = None,
    compress_size: int | None = None,
    crc: int | None = None,
    flag_bits: int | None = None,
    method: int | None = None,
) -> bytes:
    """Rewrite fields of entry ``name`` in both its central directory record and its local
    header (APPNOTE.TXT 4.3.7 and 4.3.12 give the layouts)."""
    out = bytearray(data)
    raw_name = name.encode()
    # Central directory: sig, made, need, flags@8, method@10, time, date, crc@16,
    # csize@20, usize@24, nlen@28, elen, clen, disk, iattr, eattr, offset@42, name@46.
    pos = out.find(b"PK\x01\x02")
    found = False
    while pos != -1:
        (nlen,) = struct.unpack_from("<H", out, pos + 28)
        elen, clen = struct.unpack_from("<HH", out, pos + 30)
        if bytes(out[pos + 46 : pos + 46 + nlen]) == raw_name:
            (offset,) = struct.unpack_from("<I", out, pos + 42)
            for base, fields in (
                (pos, {"flags": 8, "method": 10, "crc": 16, "csize": 20, "usize": 24}),
                (offset, {"flags": 6, "method": 8, "crc": 14, "csize": 18, "usize": 22}),
            ):
                if flag_bits is not None:
                    struct.pack_into("<H", out, base + fields["flags"], flag_bits)
                if method is not None:
                    struct.pack_into("<H", out, base + fields["method"], method)
                if crc is not None:
                    struct.pack_into("<I", out, base + fields["crc"], crc)
                if compress_size is not None:
                    struct.pack_into("<I", out, base + fields["csize"], compress_size)
                if file_size is not None:
                    struct.pack_into("<I", out, base + fields["usize"], file_size)
            found = True
        pos = out.find(b"PK\x01\x02", pos + 46 + nlen + elen + clen)
    if not found:
        raise KeyError(name)
    return bytes(out)


def many_files(count: int) -> bytes:
    """An archive with a manifest and ``count`` empty stored files.

    Written by hand (APPNOTE.TXT 4.3.7 local header, 4.3.12 central directory, 4.3.14-16
    ZIP64 end records) because ``zipfile`` needs several seconds for 100,000 entries.
    """
    names = [b"imsmanifest.xml"] + [f"f/{i}.txt".encode() for i in range(count)]
    payloads = [MANIFEST_12] + [b""] * count
    local = bytearray()
    central = bytearray()
    for name, payload in zip(names, payloads, strict=True):
        offset = len(local)
        crc = zlib.crc32(payload)
        size = len(payload)
        local += struct.pack(
            "<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0x21, crc, size, size, len(name), 0
        )
        local += name + payload
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50,
            20,
            20,
            0,
            0,
            0,
            0x21,
            crc,
            size,
            size,
            len(name),
            0,
            0,
            0,
            0,
            0,
            offset,
        )
        central += name
    total = len(names)
    cd_offset = len(local)
    zip64_end = struct.pack(
        "<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, total, total, len(central), cd_offset
    )
    locator = struct.pack("<IIQI", 0x07064B50, 0, cd_offset + len(central), 1)
    end = struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    return bytes(local + central + zip64_end + locator + end)
