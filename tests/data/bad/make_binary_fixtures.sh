#!/bin/sh
# Remakes the fixtures of the bad-input corpus that are binary or whose bytes
# matter (NUL, CR, gzip).  The outputs are committed; run this from anywhere
# after changing it:  sh tests/data/bad/make_binary_fixtures.sh
#
# The gzip fixtures are built so their expected line numbers do not depend on
# the zlib version: the truncated stream ends at a sync-flush point, so
# exactly the bytes before the cut decompress.
set -eu
cd "$(dirname "$0")"
python3 - <<'PY'
import gzip, struct, zlib

def write(name, data):
    with open(name, "wb") as f:
        f.write(data)

def gz_header():
    # magic, deflate, no flags, mtime 0, no extra flags, OS unknown
    return b"\x1f\x8b\x08\x00" + b"\x00\x00\x00\x00" + b"\x00\xff"

def gz(data):
    return gzip.compress(data, compresslevel=9, mtime=0)

rows = b"".join(b"%d\t%d\n" % (u, (u * 7) % 50) for u in range(1, 201))

# NUL byte inside a row (line 3).
write("nul_byte.tsv", b"1\t2\n3\t4\n5\t\x006\n7\t8\n")

# CRLF line ends, header included: accepted, 3 interactions.
write("crlf_line_ends.tsv", b"user\titem\r\n1\t2\r\n3\t4\r\n1\t4\r\n")
write("crlf_string_ids.csv", b"alice,book-1\r\nbob,book-1\r\nbob,book-2\r\n")
write("crlf_adjacency.txt", b"0 1 2 3 4 5\r\n1 2 3\r\n2\r\n")

# Empty, plain and gzipped (a valid gzip stream of zero bytes).
write("empty_file.tsv", b"")
write("empty_gzip.tsv.gz", gz(b""))

# Truncated in the middle of line 4: header and a sync-flushed deflate stream
# of "1\t2\n3\t4\n5\t6\n7\t", then nothing (no final block, no trailer).
c = zlib.compressobj(9, zlib.DEFLATED, -15)
body = c.compress(b"1\t2\n3\t4\n5\t6\n7\t") + c.flush(zlib.Z_SYNC_FLUSH)
write("truncated_gzip.tsv.gz", gz_header() + body)

# A complete deflate stream of 200 rows without its 8-byte trailer: all rows
# arrive, the end is missing (reported at line 201).
write("truncated_gzip_trailer.tsv.gz", gz(rows)[:-8])

# Flipped bytes in the middle of the deflate stream.
data = bytearray(gz(rows))
mid = len(data) // 2
for i in range(mid, mid + 4):
    data[i] ^= 0x55
try:
    zlib.decompress(bytes(data), 31)
    raise SystemExit("corrupt_gzip.tsv.gz still decompresses; pick other bytes")
except zlib.error:
    pass
write("corrupt_gzip.tsv.gz", bytes(data))

# Intact deflate data, wrong CRC-32 in the trailer.
data = bytearray(gz(rows))
data[-8] ^= 0xff
write("corrupt_gzip_crc.tsv.gz", bytes(data))

# A 16 MiB + 10 byte line (line 3) at the default --max-line; ~16 KB compressed.
write("over_long_line_16MiB.tsv.gz",
      gz(b"1\t2\n3\t4\n5\t" + b"6" * ((16 << 20) + 10) + b"\n7\t8\n9\t10\n"))
PY
