"""Small image files for the logo tests, made on the spot."""

import io
import struct
import zlib

from PIL import Image

CLEAN_SVG = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
    b' viewBox="0 0 10 10"><defs><linearGradient id="g"><stop offset="0"/></linearGradient>'
    b'</defs><style>rect { fill: url(#g) }</style><rect id="r" width="10" height="10"'
    b' style="stroke: url(\'#g\')"/><use xlink:href="#r"/><a href="#r"><circle r="1"/></a></svg>'
)


def raster(kind="PNG", size=(8, 8), colour="teal"):
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, kind)
    return out.getvalue()


def bomb(width=100_000, height=100_000):
    """A tiny PNG declaring a huge image (its IHDR says so, with a valid CRC)."""
    data = bytearray(raster("PNG"))
    data[16:24] = struct.pack(">II", width, height)
    data[29:33] = struct.pack(">I", zlib.crc32(bytes(data[12:29])))
    return bytes(data)


def svg(body, attributes=""):
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink"'
        f" {attributes}>{body}</svg>"
    ).encode()
