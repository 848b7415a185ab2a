#!/usr/bin/env python3
"""A fake MJPEG camera for the test cases, standard library only.

  fake_camera.py [--host 127.0.0.1] [--port 0] [--fps 10]

Every GET answers with an endless multipart/x-mixed-replace stream of tiny valid JPEG frames
(1x1 grey; a JPEG comment holds the frame number, so frames differ). GET /snapshot.jpg gives
one frame. Prints "listening on HOST:PORT" once it accepts connections (port 0: a free port).
"""

import argparse
import http.server
import struct
import sys
import time

BOUNDARY = "fakecameraframe"


def jpeg(number):
    """A minimal baseline JPEG (one grey pixel) with a comment segment holding `number`."""

    def segment(marker, body):
        return bytes([0xFF, marker]) + struct.pack("!H", len(body) + 2) + body

    comment = f"fake camera frame {number}".encode()
    huffman = bytes([1] + [0] * 15) + b"\x00"  # one code of length 1 for symbol 0
    return b"".join(
        [
            b"\xff\xd8",
            segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"),
            segment(0xFE, comment),
            segment(0xDB, b"\x00" + b"\x01" * 64),
            segment(0xC0, b"\x08\x00\x01\x00\x01\x01\x01\x11\x00"),
            segment(0xC4, b"\x00" + huffman),
            segment(0xC4, b"\x10" + huffman),
            segment(0xDA, b"\x01\x01\x00\x00\x3f\x00"),
            b"\x3f",  # DC difference 0, end of block, padded with ones
            b"\xff\xd9",
        ]
    )


class Handler(http.server.BaseHTTPRequestHandler):
    fps = 10.0
    protocol_version = "HTTP/1.0"

    def log_message(self, fmt, *args):
        sys.stderr.write("fake camera: " + (fmt % args) + "\n")

    def do_GET(self):
        if self.path.startswith("/snapshot"):
            frame = jpeg(0)
            self.send_response(200)
            self.send_header("Content-Type", "image/jpeg")
            self.send_header("Content-Length", str(len(frame)))
            self.end_headers()
            self.wfile.write(frame)
            return
        self.send_response(200)
        self.send_header("Content-Type", f"multipart/x-mixed-replace; boundary={BOUNDARY}")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        number = 0
        try:
            while True:
                frame = jpeg(number)
                self.wfile.write(
                    f"--{BOUNDARY}\r\nContent-Type: image/jpeg\r\n"
                    f"Content-Length: {len(frame)}\r\n\r\n".encode()
                    + frame
                    + b"\r\n"
                )
                self.wfile.flush()
                number += 1
                time.sleep(1.0 / self.fps)
        except (BrokenPipeError, ConnectionResetError):
            return


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--fps", type=float, default=10.0)
    a = p.parse_args()
    Handler.fps = a.fps
    server = http.server.ThreadingHTTPServer((a.host, a.port), Handler)
    server.daemon_threads = True
    host, port = server.server_address[:2]
    print(f"listening on {host}:{port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
