#!/bin/sh
# Checks that a `gnnrec compare` report renders in a real browser:
#   sh scripts/check_report.sh REPORT_DIR
#
# 1. index.html is self-contained: no script, stylesheet, image, frame or
#    http(s) reference to fetch (the SVG namespace URI is a name, not a fetch).
# 2. Debian's chromium renders it headless to REPORT_DIR/index.png.
# 3. The screenshot is not blank: enough non-white pixels, and the palette's
#    first colour (#1f77b4, the first run's line in every chart) is drawn, so
#    the inline SVG charts rendered and not only the text.
#
# chromium (and python3, which reads the PNG) are installed with apt-get when
# run as root; otherwise a missing one is named with the install line and the
# script exits with 77 ("skipped", as automake's test harness reads it).
set -eu
if [ $# -ne 1 ]; then
    echo "usage: sh scripts/check_report.sh REPORT_DIR" >&2
    exit 2
fi
DIR=$1
HTML=$DIR/index.html
PNG=$DIR/index.png
[ -f "$HTML" ] || { echo "check_report: $HTML does not exist" >&2; exit 1; }

# 1. nothing to fetch
external=$(sed 's|xmlns="http://www.w3.org/2000/svg"||g' "$HTML" |
    grep -Eio '<script|<link|<img|<iframe|<object|<embed|@import|url\(|https?://[^" <]*' | sort -u || true)
if [ -n "$external" ]; then
    echo "check_report: $HTML is not self-contained:" $external >&2
    exit 1
fi

# 2. tools
need=""
command -v chromium >/dev/null 2>&1 || need="$need chromium"
command -v python3 >/dev/null 2>&1 || need="$need python3"
if [ -n "$need" ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        echo "check_report: installing$need" >&2
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        # shellcheck disable=SC2086
        apt-get install -y -qq --no-install-recommends $need fonts-dejavu-core >/dev/null
    else
        echo "check_report: SKIPPED: needs$need (sudo apt-get install -y$need)" >&2
        exit 77
    fi
fi

# 3. render: a fresh profile so a running browser or an old one cannot
# interfere; --no-sandbox because root cannot use chromium's sandbox
profile=$(mktemp -d)
log=$(mktemp)
trap 'rm -rf "$profile" "$log"' EXIT
abs=$(cd "$(dirname "$HTML")" && pwd)/$(basename "$HTML")
rm -f "$PNG"
if ! timeout 180 chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --no-first-run \
        --user-data-dir="$profile" --window-size=1400,1800 --screenshot="$PNG" "file://$abs" >"$log" 2>&1 ||
        [ ! -s "$PNG" ]; then
    echo "check_report: chromium did not render $HTML:" >&2
    tail -5 "$log" >&2
    exit 1
fi

# 4. not blank
python3 - "$PNG" <<'EOF'
import struct, sys, zlib

path = sys.argv[1]
data = open(path, "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    sys.exit(f"check_report: {path} is not a PNG")
pos, idat, width = 8, b"", 0
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + n]
    if kind == b"IHDR":
        width, height, depth, color, _, _, interlace = struct.unpack(">IIBBBBB", body)
        if depth != 8 or color not in (2, 6) or interlace:
            sys.exit(f"check_report: {path}: unexpected PNG layout (depth {depth}, colour type {color})")
        bpp = 3 if color == 2 else 4
    elif kind == b"IDAT":
        idat += body
    pos += 12 + n
raw = zlib.decompress(idat)
stride = width * bpp
prev = bytearray(stride)
ink = 0
colours = set()
blue = 0
for y in range(height):
    f = raw[y * (stride + 1)]
    line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
    # undo the PNG row filter (none, sub, up, average, Paeth)
    if f == 1:
        for i in range(bpp, stride):
            line[i] = (line[i] + line[i - bpp]) & 255
    elif f == 2:
        for i in range(stride):
            line[i] = (line[i] + prev[i]) & 255
    elif f == 3:
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
    elif f == 4:
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
    for x in range(0, stride, bpp * 2):  # every other pixel is plenty
        r, g, b = line[x], line[x + 1], line[x + 2]
        if r < 240 or g < 240 or b < 240:
            ink += 1
        colours.add((r >> 4, g >> 4, b >> 4))
        if abs(r - 0x1f) < 24 and abs(g - 0x77) < 24 and abs(b - 0xb4) < 24:
            blue += 1
    prev = line
sampled = height * ((width + 1) // 2)
share = ink / sampled
print(f"check_report: {path}: {width}x{height}, {100 * share:.1f}% of pixels drawn, "
      f"{len(colours)} colours, {blue} pixels of the first run's colour")
if share < 0.02 or len(colours) < 8 or blue < 20:
    sys.exit("check_report: the page looks blank or its charts did not render")
EOF
echo "check_report: $HTML renders (screenshot: $PNG)"
