"""Each job's machine gets a loopback of its own: a network namespace per job, as each GitHub runner is
a machine of its own. Jobs of one scenario, and of scenarios that run side by side, then bind the
same fixed ports (the compose stack's 8000 and 8080, a workflow's port-forward on 18080) without
meeting, and a server is only ever answered by the job that started it.

The job runner's own servers (the stand-in GitHub API, OIDC, OSV, Prometheus, the warm stand-in
server) listen on the host's loopback. Inside a machine, this process listens on the same ports and
relays each connection to the host, so a job reaches them at the URLs it was given.

One process serves every machine of a test process. Protocol, one JSON object per line:
  in:  {"open": <id>, "ports": [<host port>, ...]}   out: {"id": <id>, "net": "/proc/<pid>/fd/<n>"}
  in:  {"close": <id>}                                out: {"id": <id>, "closed": true}
An error answers {"id": <id>, "error": "..."}. It exits when its standard input closes.
Needs CAP_SYS_ADMIN over the namespace it starts in: root, or a user and network namespace of the
suite's own (`unshare --user --map-root-user --net`, with its lo up).
"""

import asyncio
import ctypes
import fcntl
import json
import os
import socket
import struct
import sys

CLONE_NEWNET = 0x40000000
SIOCGIFFLAGS = 0x8913
SIOCSIFFLAGS = 0x8914
IFF_UP = 0x1

libc = ctypes.CDLL(None, use_errno=True)
HOST_NET = os.open("/proc/self/ns/net", os.O_RDONLY)


def check(result: int, what: str) -> None:
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def loopback_up() -> None:
    """A new namespace's lo is down: `ip link set lo up`, as one ioctl (struct ifreq is 40 bytes)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        request = struct.pack("16sH22x", b"lo", 0)
        flags = struct.unpack("16sH22x", fcntl.ioctl(s, SIOCGIFFLAGS, request))[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH22x", b"lo", flags | IFF_UP))


async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
        if writer.can_write_eof():
            writer.write_eof()
    except (ConnectionError, OSError):
        writer.close()


def relay_to(port: int):
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        # This process is in the host's namespace between requests: the upstream socket is the host's.
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            writer.close()
            return
        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))
        up_writer.close()
        writer.close()

    return handle


class Machines:
    def __init__(self) -> None:
        self.open: dict[int, tuple[int, list[asyncio.base_events.Server]]] = {}

    async def create(self, ident: int, ports: list[int]) -> str:
        # Everything between unshare and setns is synchronous: no other request runs in the new namespace.
        check(libc.unshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)")
        ns = os.open("/proc/self/ns/net", os.O_RDONLY)
        listeners = []
        try:
            loopback_up()
            for port in ports:
                s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                listeners.append(s)
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                s.bind(("127.0.0.1", port))
                s.listen(128)
                s.setblocking(False)
        except OSError:
            for s in listeners:
                s.close()
            os.close(ns)
            raise
        finally:
            check(libc.setns(HOST_NET, CLONE_NEWNET), "setns(host)")
        servers = [await asyncio.start_server(relay_to(port), sock=s) for port, s in zip(ports, listeners)]
        self.open[ident] = (ns, servers)
        return f"/proc/{os.getpid()}/fd/{ns}"

    def close(self, ident: int) -> None:
        ns, servers = self.open.pop(ident)
        for server in servers:
            server.close()
        os.close(ns)


async def main() -> None:
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    machines = Machines()

    def answer(message: dict) -> None:
        sys.stdout.write(json.dumps(message) + "\n")
        sys.stdout.flush()

    while line := await stdin.readline():
        ident = None
        try:
            request = json.loads(line)
            ident = request.get("open", request.get("close"))
            if "open" in request:
                answer({"id": ident, "net": await machines.create(ident, [int(p) for p in request["ports"]])})
            else:
                machines.close(ident)
                answer({"id": ident, "closed": True})
        except OSError as e:
            answer({"id": ident, "error": str(e)})
        except (KeyError, TypeError, ValueError) as e:
            # A request this protocol does not know (an unknown machine, a malformed line): refused, never fatal.
            answer({"id": ident, "error": f"bad request {line.strip()!r}: {type(e).__name__} {e}"})


asyncio.run(main())
