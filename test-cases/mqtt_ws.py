#!/usr/bin/env python3
"""A tiny MQTT 3.1.1 client over websockets (or plain TCP), standard library only.

Debian's mosquitto_pub/mosquitto_sub (2.0.11) cannot speak websockets, so the test cases use
this for the broker's websocket listener (8081).

  mqtt_ws.py connect   --url ws://HOST:PORT [--user U --password P]
      exit 0 if the broker accepts the connection, 1 if it refuses it (prints the code)
  mqtt_ws.py publish   --url ws://HOST:PORT [--user U --password P] --topic T --message M
      publishes one message (QoS 1); exit 0 once the broker acknowledged it
  mqtt_ws.py roundtrip --url ws://HOST:PORT --sub-user U --sub-password P
                       --pub-user U --pub-password P --topic T [--message M] [--timeout S]
      subscribes (QoS 1), waits for the SUBACK, publishes (QoS 1), waits for the PUBACK, then
      for the message to arrive; exit 0 when it arrives intact, 1 otherwise

URLs: ws://host:port[/path] (default path /mqtt) or mqtt://host:port (plain TCP), and
wss://host:port[/path] (websockets over TLS; the server's certificate is checked against
--cafile, else the system's CAs).
"""

import argparse
import base64
import os
import socket
import ssl
import struct
import sys
import time
import urllib.parse


class Closed(Exception):
    """The connection ended."""


class Transport:
    """A byte stream to the broker: plain TCP, or websocket binary frames."""

    def __init__(self, url, timeout, cafile=None):
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("ws", "wss", "mqtt", "tcp"):
            raise SystemExit(f"unsupported URL scheme {parsed.scheme!r}: use ws://, wss:// or mqtt://")
        self.ws = parsed.scheme in ("ws", "wss")
        host = parsed.hostname or "127.0.0.1"
        port = parsed.port or (8081 if self.ws else 8000)
        self.sock = socket.create_connection((host, port), timeout=timeout)
        if parsed.scheme == "wss":
            context = ssl.create_default_context(cafile=cafile)
            self.sock = context.wrap_socket(self.sock, server_hostname=host)
        self.sock.settimeout(timeout)
        self.buf = b""
        if self.ws:
            self._handshake(host, port, parsed.path or "/mqtt")

    def _handshake(self, host, port, path):
        key = base64.b64encode(os.urandom(16)).decode()
        request = (
            f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: mqtt\r\n\r\n"
        )
        self.sock.sendall(request.encode())
        raw = b""
        while b"\r\n\r\n" not in raw:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise Closed("the server closed the connection during the websocket handshake")
            raw += chunk
        head, _, rest = raw.partition(b"\r\n\r\n")
        status = head.split(b"\r\n", 1)[0]
        if b" 101 " not in status + b" ":
            raise Closed(f"websocket handshake refused: {status.decode(errors='replace')}")
        self.pending = rest
        self.frames = b""

    def send(self, data):
        if not self.ws:
            self.sock.sendall(data)
            return
        mask = os.urandom(4)
        n = len(data)
        if n < 126:
            header = struct.pack("!BB", 0x82, 0x80 | n)
        elif n < 65536:
            header = struct.pack("!BBH", 0x82, 0x80 | 126, n)
        else:
            header = struct.pack("!BBQ", 0x82, 0x80 | 127, n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(data))
        self.sock.sendall(header + mask + masked)

    def _raw(self, n):
        """Exactly n bytes from the socket (after what the handshake read ahead)."""
        out = b""
        if self.ws and self.pending:
            out, self.pending = self.pending[:n], self.pending[n:]
        while len(out) < n:
            chunk = self.sock.recv(n - len(out))
            if not chunk:
                raise Closed("the broker closed the connection")
            out += chunk
        return out

    def _ws_frame(self):
        b0, b1 = self._raw(2)
        opcode, n = b0 & 0x0F, b1 & 0x7F
        if n == 126:
            n = struct.unpack("!H", self._raw(2))[0]
        elif n == 127:
            n = struct.unpack("!Q", self._raw(8))[0]
        mask = self._raw(4) if b1 & 0x80 else None
        payload = self._raw(n)
        if mask:
            payload = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        if opcode == 0x8:
            raise Closed("the broker closed the websocket")
        if opcode == 0x9:  # ping
            self.sock.sendall(struct.pack("!BB", 0x8A, 0x80) + b"\0\0\0\0")
            return b""
        return payload if opcode in (0x0, 0x1, 0x2) else b""

    def read(self, n):
        if not self.ws:
            return self._raw(n)
        while len(self.frames) < n:
            self.frames += self._ws_frame()
        out, self.frames = self.frames[:n], self.frames[n:]
        return out


def encode_str(s):
    b = s.encode()
    return struct.pack("!H", len(b)) + b


def encode_len(n):
    out = b""
    while True:
        byte, n = n % 128, n // 128
        out += bytes([byte | (0x80 if n else 0)])
        if not n:
            return out


# --cafile: the CA that signed a wss:// server's certificate.
CAFILE = None


class Client:
    """One MQTT 3.1.1 connection."""

    def __init__(self, url, user, password, client_id, timeout, keepalive=30):
        self.t = Transport(url, timeout, CAFILE)
        flags = 0x02  # clean session
        payload = encode_str(client_id)
        if user is not None:
            flags |= 0x80
            payload += encode_str(user)
            if password is not None:
                flags |= 0x40
                payload += encode_str(password)
        var = encode_str("MQTT") + bytes([4, flags]) + struct.pack("!H", keepalive)
        self.packet(0x10, var + payload)
        kind, body = self.next_packet()
        if kind != 0x20 or len(body) < 2:
            raise Closed(f"expected CONNACK, got packet type {kind:#x}")
        self.connack = body[1]

    def packet(self, first, body):
        self.t.send(bytes([first]) + encode_len(len(body)) + body)

    def next_packet(self):
        first = self.t.read(1)[0]
        n, shift = 0, 0
        while True:
            b = self.t.read(1)[0]
            n |= (b & 0x7F) << shift
            shift += 7
            if not b & 0x80:
                break
        self.last_first = first
        return first & 0xF0, self.t.read(n)

    def subscribe(self, topic):
        self.packet(0x82, struct.pack("!H", 1) + encode_str(topic) + b"\x01")
        kind, body = self.next_packet()
        if kind != 0x90:
            raise Closed(f"expected SUBACK, got packet type {kind:#x}")
        return body[2]

    def publish(self, topic, message):
        self.packet(0x32, encode_str(topic) + struct.pack("!H", 2) + message)
        kind, _ = self.next_packet()
        if kind != 0x40:
            raise Closed(f"expected PUBACK, got packet type {kind:#x}")

    def receive(self):
        """The next PUBLISH: (topic, payload); acknowledges QoS 1."""
        while True:
            kind, body = self.next_packet()
            if kind != 0x30:
                continue
            qos = (self.last_first >> 1) & 0x03
            tlen = struct.unpack("!H", body[:2])[0]
            topic = body[2 : 2 + tlen].decode()
            rest = body[2 + tlen :]
            if qos:
                pid, rest = rest[:2], rest[2:]
                self.packet(0x40, pid)
            return topic, rest

    def disconnect(self):
        try:
            self.packet(0xE0, b"")
        except OSError:
            pass


CONNACK_MEANING = {
    0: "accepted",
    1: "unacceptable protocol version",
    2: "identifier rejected",
    3: "server unavailable",
    4: "bad user name or password",
    5: "not authorised",
}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("command", choices=["connect", "publish", "roundtrip"])
    p.add_argument("--url", required=True)
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--sub-user")
    p.add_argument("--sub-password")
    p.add_argument("--pub-user")
    p.add_argument("--pub-password")
    p.add_argument("--topic")
    p.add_argument("--message", default=None)
    p.add_argument("--timeout", type=float, default=10.0)
    p.add_argument("--cafile", help="CA certificate for wss:// URLs")
    a = p.parse_args()
    global CAFILE
    CAFILE = a.cafile
    tag = f"mqtt-ws-{os.getpid()}"
    try:
        if a.command == "connect":
            c = Client(a.url, a.user, a.password, tag, a.timeout)
            print(f"CONNACK {c.connack}: {CONNACK_MEANING.get(c.connack, 'unknown')}")
            c.disconnect()
            return 0 if c.connack == 0 else 1
        if not a.topic:
            p.error(f"{a.command} needs --topic")
        if a.command == "publish":
            if a.message is None:
                p.error("publish needs --message")
            c = Client(a.url, a.user, a.password, tag, a.timeout)
            if c.connack:
                print(f"refused: CONNACK {c.connack}: {CONNACK_MEANING.get(c.connack, 'unknown')}")
                return 1
            c.publish(a.topic, a.message.encode())
            c.disconnect()
            print(f"published to {a.topic}")
            return 0
        message = (a.message or f"roundtrip {tag} {time.time()}").encode()
        sub = Client(a.url, a.sub_user, a.sub_password, tag + "-sub", a.timeout)
        if sub.connack:
            print(f"subscriber refused: CONNACK {sub.connack}")
            return 1
        granted = sub.subscribe(a.topic)
        if granted == 0x80:
            print("subscription refused")
            return 1
        pub = Client(a.url, a.pub_user, a.pub_password, tag + "-pub", a.timeout)
        if pub.connack:
            print(f"publisher refused: CONNACK {pub.connack}")
            return 1
        pub.publish(a.topic, message)
        pub.disconnect()
        topic, payload = sub.receive()
        sub.disconnect()
        if topic == a.topic and payload == message:
            print(f"received on {topic}: {payload.decode(errors='replace')}")
            return 0
        print(f"received something else on {topic}: {payload[:80]!r}")
        return 1
    except (OSError, Closed) as e:
        print(f"error: {e}")
        return 1


if __name__ == "__main__":
    sys.exit(main())
