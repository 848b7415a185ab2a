#!/usr/bin/env python3
"""Reads an MJPEG (multipart/x-mixed-replace) stream until N JPEG frames have arrived.

  mjpeg_frames.py URL [--frames 3] [--timeout 20]

Prints the content type and the number of frames; exit 0 when N complete frames (JPEG start
and end markers) arrived before the time-out, 1 otherwise. Standard library only.
"""

import argparse
import sys
import time
import urllib.error
import urllib.request


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("url")
    p.add_argument("--frames", type=int, default=3)
    p.add_argument("--timeout", type=float, default=20.0)
    a = p.parse_args()
    deadline = time.monotonic() + a.timeout
    try:
        resp = urllib.request.urlopen(a.url, timeout=a.timeout)
    except urllib.error.HTTPError as e:
        print(f"HTTP {e.code} from {a.url}")
        return 1
    except OSError as e:
        print(f"cannot open {a.url}: {e}")
        return 1
    ctype = resp.headers.get("Content-Type", "")
    print(f"content-type: {ctype}")
    if not ctype.startswith("multipart/x-mixed-replace"):
        print("not an MJPEG stream")
        return 1
    buf = b""
    frames = 0
    while frames < a.frames and time.monotonic() < deadline:
        chunk = resp.read1(65536) if hasattr(resp, "read1") else resp.read(4096)
        if not chunk:
            break
        buf += chunk
        while True:
            start = buf.find(b"\xff\xd8")
            end = buf.find(b"\xff\xd9", start + 2) if start >= 0 else -1
            if start < 0 or end < 0:
                break
            frames += 1
            buf = buf[end + 2 :]
    resp.close()
    print(f"frames: {frames}")
    return 0 if frames >= a.frames else 1


if __name__ == "__main__":
    sys.exit(main())
