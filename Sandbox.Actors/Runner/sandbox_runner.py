# The resident runner: the first process (PID 1) of every sandbox, protocol version 2.
#
# It talks to the host over its own stdin/stdout and starts every process as its own child, with
# pipes or a terminal that live inside the sandbox. Because no process holds a host descriptor,
# `runsc checkpoint` captures a sandbox while code runs, and `runsc restore` hands the runner fresh
# stdio. Python code is forked from this already initialised interpreter (with a spare child forked
# ahead while the sandbox is idle), which saves the interpreter start-up on every run. Every process
# runs under the sandbox's limits (hard rlimits), without capabilities and without user namespaces.
#
# Frame: type (1 byte), channel (uint32 LE), length (uint32 LE), payload.
# Channels: 0 = the connection; 1..0x7FFFFFFF = processes (ids assigned here, monotonic, kept across
# checkpoint, restore and fork); 0x80000000.. = requests, opened by the host with Q or I.
#
# host -> runner
#   Q request   JSON {"op", ...}: ping, sync {quiesce}, resume, revive {hostname}, start, processes,
#               eof, signal, resize, output, write, read, list, stat, mkdir, delete, watch
#   I stdin     uint32 process id + bytes (a request of its own: answered with k or x)
#   D data      bytes of a file being written             E end   the file is complete
#   C credit    uint32: bytes the runner may send on this channel (request or block process)
#   Z cancel    the host gives the request up; the runner ends it (k, x, e or z may still cross)
# runner -> host
#   r ready     JSON {"version", "pid"} on channel 0, the first frame of a fresh runner
#   k reply     JSON: the request's answer; ends the channel
#   x error     JSON {"kind", "detail"}: the request failed; ends the channel
#   h head      JSON: first answer of a stream (read: the file's entry; watch: established)
#   d data      bytes of a file being read (counted against credit)
#   e end       JSON: end of a stream (read {"bytes"}, output {"offset"}, list {"truncated"}); ends it
#   c credit    uint32: bytes the host may send more of a file being written
#   o output    uint8 stream (1 stdout, 2 stderr, 3 pty) + uint64 LE offset + bytes (counted
#               against credit): pushed on a block process's channel, or records of an output read
#   g gap       uint64 offset + uint64 dropped bytes (costs 16 bytes of credit): output read only
#   z exit      JSON {"exit_code", "signal", "timed_out", "offset"}: on a process channel when the
#               process has ended and all its output is out; on an output read, its last record
#   l entries   JSON array (list, processes); w change  JSON {"type", "path"} (costs its length)
#
# Output policies: "block" (the reference's foreground execution) reads the program's pipes only
# while the host has granted credit, so a slow client blocks the program in write() and nothing is
# ever dropped; "keep" reads always and keeps the newest keep_bytes of the log for readers by offset.
# Quiesce stops every producer (pipes, files, watches, replies to anything but ping/sync/resume/
# revive), flushes every whole frame and then answers: a checkpoint taken then has no half frame.
import bisect
import collections
import ctypes
import errno
import fcntl
import json
import os
import posixpath
import select
import selectors
import signal
import stat
import struct
import sys
import termios
import time
# Imported here so that every forked Python program inherits them instead of loading them again.
import atexit  # noqa: F401
import io  # noqa: F401
import linecache  # noqa: F401
import resource
import threading  # noqa: F401
import types  # noqa: F401

VERSION = 2
HEADER = struct.Struct("<BII")
U32 = struct.Struct("<I")
CHUNK = struct.Struct("<BQ")
GAP = struct.Struct("<QQ")
PROCESS_CHANNELS = 0x7FFFFFFF
READ_CHUNK = 32 * 1024           # largest output frame; keeps client frames far below 64 KiB
FILE_CHUNK = 128 * 1024          # largest file data frame (fewer, bigger writes through the gofer)
HOST_READ = 256 * 1024
UPLOAD_WINDOW = 1024 * 1024      # bytes of a file being written the host may have in flight
STDIN_HIGH_WATER = 256 * 1024    # a stdin request is answered once its process's buffer is below this
DRAIN_AFTER_EXIT = 0.2           # seconds to wait for pipes held open by an exited program's children
SPARE_IDLE = 0.25                # fork the next spare child once the runner was idle this long
KEEP_EXITED = 256                # exited processes remembered (listing, output) beyond the running ones
EXITED_LOG_BUDGET = 64 * 1024 * 1024   # output kept of exited processes, all together (oldest dropped first)
MAX_BLOCK_PROCESSES = 64
WATCH_QUEUE = 1024               # changes held for a slow watcher before one "overflow" replaces them
MAX_WATCHES = 8192
LIST_FRAME = 48 * 1024
DEFAULT_KEEP_BYTES = 8 * 1024 * 1024
STREAMS = {1: "stdout", 2: "stderr", 3: "pty"}
SIGNALS = {"TERM": signal.SIGTERM, "KILL": signal.SIGKILL, "INT": signal.SIGINT, "HUP": signal.SIGHUP}
LIFECYCLE_OPS = ("ping", "sync", "resume", "revive")
EXEC_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": "/root",
    "LANG": "C.UTF-8",
    "PYTHONDONTWRITEBYTECODE": "1",
}
(Q, I, D, E, C, Z) = b"QIDECZ"
(READY, REPLY, ERROR, HEAD, DATA, END, CREDIT, OUTPUT, GAPR, EXIT, ENTRIES, CHANGE) = b"rkxhdecogzlw"

libc = ctypes.CDLL(None, use_errno=True)


class Limits:
    """The sandbox's resource limits (from the host, in SANDBOX_RUNNER_LIMITS; 0 = none). Memory and
    processes are applied to every process as hard rlimits, which gVisor enforces and which code
    without capabilities cannot raise; the disk limit is the size of the writable layer's mount."""

    def __init__(self, raw):
        try:
            values = json.loads(raw) if raw else {}
        except ValueError:
            values = {}
        self.memory_mb = int(values.get("memory_mb") or 0)
        self.pids = int(values.get("pids") or 0)
        self.disk_mb = int(values.get("disk_mb") or 0)
        self.keep_bytes = int(values.get("keep_bytes") or DEFAULT_KEEP_BYTES)

    def apply(self):
        if self.memory_mb > 0:
            size = self.memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (size, size))
        if self.pids > 0:
            resource.setrlimit(resource.RLIMIT_NPROC, (self.pids, self.pids))

    def env(self):
        env = dict(EXEC_ENV)
        if self.memory_mb > 0:
            # glibc reserves 64 MiB of address space per thread arena; a few threads would otherwise
            # spend an address-space limit without using the memory.
            env["MALLOC_ARENA_MAX"] = "2"
        return env


LIMITS = Limits(os.environ.pop("SANDBOX_RUNNER_LIMITS", ""))

# What programs print when a limit refuses them; seeing one lets the runner say which limit it was.
MARKERS = (
    ("memory", (b"MemoryError", b"Cannot allocate memory", b"cannot allocate", b"out of memory", b"bad_alloc")),
    ("pids", (b"Resource temporarily unavailable", b"can't start new thread", b"BlockingIOError")),
    ("disk", (b"No space left on device", b"Disk quota exceeded")),
)


def limit_notes(hit):
    """Lines for the end of a failed process's output naming the limit it ran into, if any."""
    notes = []
    if LIMITS.memory_mb > 0 and "memory" in hit:
        notes.append("memory limit reached: each process may use at most %d MB (SANDBOX_MEMORY_LIMIT_MB)"
                     % LIMITS.memory_mb)
    if LIMITS.pids > 0 and "pids" in hit:
        notes.append("process limit reached: at most %d processes and threads may run in the sandbox"
                     " (SANDBOX_PIDS_LIMIT)" % LIMITS.pids)
    if LIMITS.disk_mb > 0 and ("disk" in hit or filesystem_full()):
        notes.append("disk limit reached: the sandbox's writable filesystem holds at most %d MB"
                     " (SANDBOX_DISK_LIMIT_MB)" % LIMITS.disk_mb)
    return "".join("[sandbox] %s\n" % n for n in notes).encode()


def filesystem_full():
    try:
        st = os.statvfs("/")
    except OSError:
        return False
    free = st.f_bavail * st.f_frsize
    return free < max(1024 * 1024, LIMITS.disk_mb * 1024 * 1024 // 100) or (st.f_files > 0 and st.f_favail == 0)


# --- keeping user code away from the channel (SECURITY.md, "The runner's channel") ---------------

def mask_own_descriptors():
    """Covers /proc/1/fd (and the other views of PID 1's descriptors) with empty read-only mounts:
    runsc 20240729 lets any process of the same uid open another's /proc/<pid>/fd/N, and these are
    the host's pipes. Needs CAP_SYS_ADMIN, which only the runner has; user code cannot unmount them."""
    if os.getpid() != 1:
        return   # not a sandbox's first process (a test run on a host): never touch the host's /proc
    for path in ("/proc/1/fd", "/proc/1/fdinfo", "/proc/1/task/1/fd", "/proc/1/task/1/fdinfo"):
        if libc.mount(b"none", path.encode(), b"tmpfs", ctypes.c_ulong(1), b"mode=000,size=4k") != 0:
            os.write(2, ("runner: cannot mask %s: %s\n" % (path, os.strerror(ctypes.get_errno()))).encode())
    # Newer gVisor (and Linux) also refuse /proc/1/fd to anyone without CAP_SYS_PTRACE while we are
    # not dumpable; it costs nothing here and holds if the mounts ever fail.
    libc.prctl(4, 0, 0, 0, 0)   # PR_SET_DUMPABLE


def bounding_capabilities():
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("CapBnd:"):
                    bits = int(line.split()[1], 16)
                    return [c for c in range(64) if bits >> c & 1]
    except (OSError, ValueError):
        pass
    return list(range(41))


def user_namespace_filter():
    """A seccomp program refusing new user namespaces (unshare or clone with CLONE_NEWUSER: EPERM;
    clone3: ENOSYS, so libc falls back to clone). Inside its own user namespace, code could mount a
    fresh procfs and see PID 1's descriptors again."""
    machine = os.uname().machine
    if machine == "x86_64":
        arch, nr_unshare, nr_clone, nr_clone3 = 0xC000003E, 272, 56, 435
    elif machine == "aarch64":
        arch, nr_unshare, nr_clone, nr_clone3 = 0xC00000B7, 97, 220, 435
    else:
        return None
    ld, jeq, jset, ret = 0x20, 0x15, 0x45, 0x06
    allow, eperm, enosys = 0x7FFF0000, 0x00050000 | errno.EPERM, 0x00050000 | errno.ENOSYS
    program = [
        (ld, 0, 0, 4), (jeq, 1, 0, arch), (ret, 0, 0, allow),         # another ABI: not ours to judge
        (ld, 0, 0, 0),
        (jeq, 3, 0, nr_unshare), (jeq, 2, 0, nr_clone), (jeq, 5, 0, nr_clone3),
        (ret, 0, 0, allow),
        (ld, 0, 0, 16), (jset, 0, 1, 0x10000000), (ret, 0, 0, eperm), (ret, 0, 0, allow),
        (ret, 0, 0, enosys),
    ]
    code = ctypes.create_string_buffer(b"".join(struct.pack("<HBBI", *i) for i in program))

    class SockFprog(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]
    return code, SockFprog(len(program), ctypes.cast(code, ctypes.c_void_p))


BOUNDING = bounding_capabilities()
SECCOMP = user_namespace_filter()


class CapHeader(ctypes.Structure):
    _fields_ = [("version", ctypes.c_uint32), ("pid", ctypes.c_int)]


class CapData(ctypes.Structure):
    _fields_ = [("effective", ctypes.c_uint32), ("permitted", ctypes.c_uint32), ("inheritable", ctypes.c_uint32)]


def refuse_user_namespaces():
    """Installed once in the runner, so that every process of the sandbox inherits it (a filter
    cannot be removed); the runner itself never needs a user namespace either."""
    if libc.prctl(38, 1, 0, 0, 0) != 0:                            # PR_SET_NO_NEW_PRIVS
        raise OSError(ctypes.get_errno(), "cannot set no_new_privs")
    if SECCOMP is not None and libc.prctl(22, 2, ctypes.byref(SECCOMP[1]), 0, 0) != 0:   # SECCOMP_MODE_FILTER
        raise OSError(ctypes.get_errno(), "cannot install the seccomp filter")


def drop_privileges():
    """In a child, before user code: no capabilities (none to regain: the bounding set is emptied
    too), and dumpable again so code may debug its own processes. No new privileges and no user
    namespaces come from the runner (refuse_user_namespaces)."""
    for cap in BOUNDING:
        libc.prctl(24, cap, 0, 0, 0)                               # PR_CAPBSET_DROP
    if libc.capset(ctypes.byref(CapHeader(0x20080522, 0)), (CapData * 2)()) != 0:
        raise OSError(ctypes.get_errno(), "cannot drop capabilities")
    libc.prctl(4, 1, 0, 0, 0)                                      # PR_SET_DUMPABLE


# --- small helpers --------------------------------------------------------------------------------

def set_nonblocking(fd):
    # One call, not get-and-set: F_SETFL leaves the access mode alone, and our pipes have no other flags.
    fcntl.fcntl(fd, fcntl.F_SETFL, os.O_NONBLOCK)


def write_all(fd, data):
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def utf8_complete(data, end=None):
    """The length of the longest prefix of data[:end] that does not end inside a UTF-8 sequence."""
    n = len(data) if end is None else end
    i = n - 1
    while i >= max(0, n - 4):
        b = data[i]
        if b < 0x80:
            return n
        if b >= 0xC0:
            need = 2 if b < 0xE0 else 3 if b < 0xF0 else 4 if b < 0xF8 else 1
            return i if n - i < need else n
        i -= 1
    return n


class Fault(Exception):
    """A request that cannot be done; kind is what the host maps, detail a sentence for a person."""

    def __init__(self, kind, detail):
        super().__init__(detail)
        self.kind = kind
        self.detail = detail


ERRNO_KINDS = {
    errno.ENOENT: "not_found", errno.EISDIR: "is_directory", errno.ENOTDIR: "not_directory",
    errno.EEXIST: "exists", errno.ENOSPC: "no_space", errno.EDQUOT: "no_space", errno.EACCES: "permission",
    errno.EPERM: "permission", errno.EROFS: "permission", errno.ENOTEMPTY: "not_empty",
    errno.ENAMETOOLONG: "invalid_path", errno.ELOOP: "invalid_path", errno.EINVAL: "invalid_path",
}


def os_fault(e, path):
    kind = ERRNO_KINDS.get(e.errno, "io")
    detail = "%s: %s" % (path, e.strerror or e)
    if kind == "no_space" and LIMITS.disk_mb > 0:
        detail += " (the sandbox's disk limit is %d MB, SANDBOX_DISK_LIMIT_MB)" % LIMITS.disk_mb
    return Fault(kind, detail)


def clean_path(value):
    if not isinstance(value, str) or not value:
        raise Fault("invalid_path", "a path is required")
    if "\0" in value:
        raise Fault("invalid_path", "a path may not contain NUL bytes")
    if not value.startswith("/"):
        raise Fault("invalid_path", "%r is not absolute; paths start with /" % value)
    if len(value.encode("utf-8", "surrogateescape")) > 4096:
        raise Fault("invalid_path", "the path is longer than 4096 bytes")
    path = posixpath.normpath(value)
    return "/" + path.lstrip("/")


def entry_of(path, st):
    mode = st.st_mode
    kind = "dir" if stat.S_ISDIR(mode) else "file" if stat.S_ISREG(mode) else "symlink" if stat.S_ISLNK(mode) else "other"
    return {"name": posixpath.basename(path) or "/", "path": path, "type": kind, "size": st.st_size,
            "mode": stat.S_IMODE(mode), "mtime": st.st_mtime}


def want(req, name, types_, default=None, required=False):
    types_ = types_ if isinstance(types_, tuple) else (types_,)
    value = req.get(name, default)
    if value is None:
        if required:
            raise Fault("invalid_request", "%s is required" % name)
        return default
    if isinstance(value, bool) and bool not in types_ or not isinstance(value, types_):
        raise Fault("invalid_request", "%s has the wrong type" % name)
    return value


# --- output logs ----------------------------------------------------------------------------------

class Log:
    """A process's combined output with byte offsets: the newest `keep` bytes in chunks that never
    end inside a UTF-8 sequence (so each can be decoded alone); `end` counts every byte ever made."""

    def __init__(self, keep):
        self.keep = keep
        self.offsets = []       # start offset of each chunk, from self.head on
        self.chunks = []        # (stream, bytes)
        self.head = 0
        self.start = 0          # oldest offset still kept
        self.end = 0
        self.size = 0

    def append(self, stream, data):
        if not data:
            return
        if len(self.chunks) > self.head and self.chunks[-1][0] == stream and len(self.chunks[-1][1]) + len(data) <= READ_CHUNK:
            self.chunks[-1] = (stream, self.chunks[-1][1] + data)   # coalesce small writes
        else:
            self.offsets.append(self.end)
            self.chunks.append((stream, data))
        self.end += len(data)
        self.size += len(data)
        self.trim()

    def trim(self):
        while self.size > self.keep and self.head < len(self.chunks):
            stream, data = self.chunks[self.head]
            over = self.size - self.keep
            if len(data) <= over:
                self.chunks[self.head] = None
                self.head += 1
                self.size -= len(data)
                self.start += len(data)
                continue
            cut = over
            while cut < len(data) and 0x80 <= data[cut] < 0xC0:
                cut += 1
            self.chunks[self.head] = (stream, data[cut:])
            self.offsets[self.head] += cut
            self.size -= cut
            self.start += cut
            break
        if self.head > 1024 and self.head * 2 > len(self.chunks):
            del self.chunks[:self.head]
            del self.offsets[:self.head]
            self.head = 0
        if self.head >= len(self.chunks):
            self.start = self.end

    def piece(self, offset, limit):
        """(stream, bytes) starting at offset (>= start, < end), at most limit bytes."""
        i = bisect.bisect_right(self.offsets, offset, self.head) - 1
        stream, data = self.chunks[i]
        skip = offset - self.offsets[i]
        part = data[skip:skip + limit]
        if skip + limit < len(data):
            cut = utf8_complete(part)
            if cut > 0:
                part = part[:cut]
        return stream, part


class Process:
    def __init__(self, pid_, req, spawned):
        self.id = 0
        self.pid = pid_
        self.tag = req.get("tag") or ""
        self.cmd = spawned["display"]
        self.policy = req.get("policy") or "keep"
        self.pty = spawned.get("master")
        self.log = Log(req.get("keep_bytes") if req.get("keep_bytes") is not None
                       else (0 if self.policy == "block" else LIMITS.keep_bytes))
        self.credit = int(req.get("credit") or 0)   # block: bytes the host lets us push
        self.fds = {}                                # output fd -> stream number
        self.carry = {}                              # stream -> incomplete UTF-8 tail
        self.stdin_fd = spawned.get("stdin")
        self.stdin_buf = bytearray()
        self.stdin_eof = False
        self.stdin_waiters = []                      # request channels answered when stdin drains
        self.readers = []
        self.status = None                           # waitpid status once reaped
        self.exited_at = None
        self.finished = False                        # exit known and every byte in the log
        self.tail = None
        self.hit = set()
        self.signals = set()                         # what the host sent the group (sent again at the exit)
        self.timed_out = False
        self.started_at = time.time()
        self.ended_at = None
        timeout = req.get("timeout") or 0
        self.deadline = time.monotonic() + timeout if timeout > 0 else None

    def exit_info(self):
        code = sig = None
        if self.status is not None:
            if os.WIFSIGNALED(self.status):
                sig = signal.Signals(os.WTERMSIG(self.status)).name[3:]
            else:
                code = os.waitstatus_to_exitcode(self.status)
        return {"exit_code": code, "signal": sig, "timed_out": self.timed_out, "offset": self.log.end}

    def info(self):
        cmd = [a[:1024] for a in self.cmd[:64]]
        d = {"process_id": self.id, "pid": self.pid, "tag": self.tag, "cmd": cmd, "policy": self.policy,
             "pty": self.pty is not None, "state": "exited" if self.finished else "running",
             "started_at": self.started_at, "ended_at": self.ended_at,
             "output_start": self.log.start, "output_end": self.log.end}
        if self.finished:
            d.update(self.exit_info())
        if self.policy == "block":
            d["credit"] = self.credit
        return d

    def watch_output(self, data):
        for name, markers in MARKERS:
            if name not in self.hit and any(m in data for m in markers):
                self.hit.add(name)


# --- request channels -----------------------------------------------------------------------------

class Channel:
    """A request the host opened; subclasses stream. step() does a slice of slow work."""
    busy = False

    def __init__(self, runner, cid):
        self.runner = runner
        self.id = cid

    def on_data(self, payload):
        pass

    def on_end(self):
        pass

    def on_credit(self, n):
        pass

    def close(self):
        pass

    def step(self):
        pass


class Upload(Channel):
    def __init__(self, runner, cid, path, mode):
        super().__init__(runner, cid)
        self.path = path
        self.mode = mode
        self.size = 0
        self.unacknowledged = 0
        parent = posixpath.dirname(path)
        try:
            if os.path.isdir(path):
                raise Fault("is_directory", "%s is a directory" % path)
            os.makedirs(parent, exist_ok=True)
            self.temp = posixpath.join(parent, ".%s.upload-%d" % (posixpath.basename(path), cid))
            self.fd = os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o644 if mode is None else mode & 0o7777)
        except FileExistsError:
            raise Fault("not_directory", "%s is not a directory" % parent) from None
        except OSError as e:
            raise os_fault(e, path) from None
        runner.send(CREDIT, cid, U32.pack(UPLOAD_WINDOW))

    def on_data(self, payload):
        try:
            write_all(self.fd, payload)
        except OSError as e:
            self.fail(os_fault(e, self.path))
            return
        self.size += len(payload)
        self.unacknowledged += len(payload)
        if self.unacknowledged >= UPLOAD_WINDOW // 4:
            self.runner.send(CREDIT, self.id, U32.pack(self.unacknowledged))
            self.unacknowledged = 0

    def on_end(self):
        try:
            if self.mode is not None:
                os.fchmod(self.fd, self.mode & 0o7777)
            os.close(self.fd)
            self.fd = None
            os.rename(self.temp, self.path)
            entry = entry_of(self.path, os.lstat(self.path))
        except OSError as e:
            self.fail(os_fault(e, self.path))
            return
        self.runner.finish(self, REPLY, entry)

    def fail(self, fault):
        self.close()
        self.runner.finish(self, ERROR, {"kind": fault.kind, "detail": fault.detail})

    def close(self):
        if getattr(self, "fd", None) is not None:
            os.close(self.fd)
            self.fd = None
        try:
            os.unlink(self.temp)
        except OSError:
            pass


class Download(Channel):
    def __init__(self, runner, cid, path, credit):
        super().__init__(runner, cid)
        self.path = path
        self.credit = credit
        self.sent = 0
        try:
            self.fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
        except OSError as e:
            raise os_fault(e, path) from None
        st = os.fstat(self.fd)
        if stat.S_ISDIR(st.st_mode):
            os.close(self.fd)
            raise Fault("is_directory", "%s is a directory" % path)
        if not stat.S_ISREG(st.st_mode):
            os.close(self.fd)
            raise Fault("not_a_file", "%s is not a regular file" % path)
        self.size = st.st_size
        runner.send_json(HEAD, cid, entry_of(path, st))
        self.busy = True

    def on_credit(self, n):
        self.credit += n
        self.busy = True

    def step(self):
        while self.credit > 0 and self.sent < self.size and len(self.runner.out) < HOST_READ:
            try:
                data = os.pread(self.fd, min(FILE_CHUNK, self.credit, self.size - self.sent), self.sent)
            except OSError as e:
                self.close()
                fault = os_fault(e, self.path)
                self.runner.finish(self, ERROR, {"kind": fault.kind, "detail": fault.detail})
                return
            if not data:
                break
            self.runner.send(DATA, self.id, data)
            self.sent += len(data)
            self.credit -= len(data)
        if self.sent >= self.size or (self.credit > 0 and len(self.runner.out) < HOST_READ):
            self.close()
            self.runner.finish(self, END, {"bytes": self.sent})
            return
        self.busy = self.credit > 0

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
        self.busy = False


class Walk(Channel):
    """list (entries up to a depth) and recursive delete, a slice at a time."""

    def __init__(self, runner, cid, work):
        super().__init__(runner, cid)
        self.work = work
        self.busy = True

    def step(self):
        try:
            for _ in range(256):
                if next(self.work, None) is None:
                    self.work = None
                    self.busy = False
                    return
        except Fault as f:
            self.busy = False
            self.runner.finish(self, ERROR, {"kind": f.kind, "detail": f.detail})
        except Exception as e:  # noqa: BLE001 - a request fails, the runner goes on
            self.busy = False
            self.runner.finish(self, ERROR, {"kind": "io", "detail": str(e)})

    def close(self):
        self.busy = False
        self.work = None


class Watch(Channel):
    IN_MODIFY, IN_ATTRIB, IN_CLOSE_WRITE, IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE, IN_DELETE = 0x2, 0x4, 0x8, 0x40, 0x80, 0x100, 0x200
    IN_DELETE_SELF, IN_MOVE_SELF, IN_Q_OVERFLOW, IN_IGNORED, IN_ISDIR = 0x400, 0x800, 0x4000, 0x8000, 0x40000000
    MASK = IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF

    def __init__(self, runner, cid, path, recursive, credit):
        super().__init__(runner, cid)
        self.root = path
        self.recursive = recursive
        self.credit = credit
        self.queue = collections.deque()
        self.overflowed = False
        self.ended = False              # the watched path went away: end once the queue is out
        self.dirs = {}
        try:
            st = os.stat(path)
        except OSError as e:
            raise os_fault(e, path) from None
        self.fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        if self.fd < 0:
            raise Fault("io", "inotify is not available: %s" % os.strerror(ctypes.get_errno()))
        try:
            self.add(path)
            if recursive and stat.S_ISDIR(st.st_mode):
                self.add_tree(path)
        except Fault:
            os.close(self.fd)
            raise
        runner.watch_fd(self.fd, 0, self.on_readable)
        runner.send(HEAD, cid, b"{}")

    def add(self, path):
        wd = libc.inotify_add_watch(self.fd, os.fsencode(path), self.MASK)
        if wd < 0:
            err = ctypes.get_errno()
            if err == errno.ENOSPC or len(self.dirs) >= MAX_WATCHES:
                raise Fault("io", "too many directories to watch under %s" % self.root)
            if err != errno.ENOENT:
                raise os_fault(OSError(err, os.strerror(err)), path)
            return
        self.dirs[wd] = path

    def add_tree(self, top, announce=False):
        # A directory that appears is watched from then on; what was made in it before that is
        # announced here, so a recursive watcher misses nothing (mkdir -p a/b/c; touch a/b/c/f).
        for dirpath, dirnames, filenames in os.walk(top):
            for d in dirnames:
                if len(self.dirs) >= MAX_WATCHES:
                    raise Fault("io", "too many directories to watch under %s" % self.root)
                self.add(posixpath.join(dirpath, d))
            if announce:
                for name in dirnames + filenames:
                    self.emit("created", posixpath.join(dirpath, name))

    def on_readable(self, fd):
        try:
            data = os.read(self.fd, 64 * 1024)
        except BlockingIOError:
            return
        off = 0
        while off + 16 <= len(data):
            wd, ev, _, length = struct.unpack_from("iIII", data, off)
            name = data[off + 16:off + 16 + length].split(b"\0", 1)[0]
            off += 16 + length
            if ev & self.IN_Q_OVERFLOW:
                self.overflow()
                continue
            base = self.dirs.get(wd)
            if base is None:
                continue
            path = posixpath.join(base, os.fsdecode(name)) if name else base
            if ev & self.IN_IGNORED:
                self.dirs.pop(wd, None)
                if base == self.root:
                    self.ended = True
                continue
            if ev & (self.IN_CREATE | self.IN_MOVED_TO):
                self.emit("created", path)
                if self.recursive and ev & self.IN_ISDIR:
                    try:
                        self.add(path)
                        self.add_tree(path, announce=True)
                    except Fault:
                        self.overflow()
            elif ev & (self.IN_DELETE | self.IN_MOVED_FROM):
                self.emit("deleted", path)
            elif ev & (self.IN_DELETE_SELF | self.IN_MOVE_SELF):
                if base == self.root:
                    self.emit("deleted", path)
                    self.ended = True
            elif ev & (self.IN_MODIFY | self.IN_ATTRIB | self.IN_CLOSE_WRITE):
                self.emit("modified", path)
        self.pump()

    def emit(self, kind, path):
        if self.overflowed:
            return
        if len(self.queue) >= WATCH_QUEUE:
            self.overflow()
            return
        if self.queue and self.queue[-1] == (kind, path) and kind == "modified":
            return   # one write often makes several modify events
        self.queue.append((kind, path))

    def overflow(self):
        self.queue.clear()
        self.queue.append(("overflow", self.root))
        self.overflowed = True

    def on_credit(self, n):
        self.credit += n
        self.pump()

    def pump(self):
        while self.queue:
            kind, path = self.queue[0]
            payload = json.dumps({"type": kind, "path": path}, separators=(",", ":")).encode()
            if len(payload) > self.credit:
                return
            self.queue.popleft()
            self.credit -= len(payload)
            self.runner.send(CHANGE, self.id, payload)
            if kind == "overflow":
                self.overflowed = False
        if self.ended and self.fd is not None:
            self.close()
            self.runner.finish(self, END, {})

    def close(self):
        if self.fd is not None:
            self.runner.forget_fd(self.fd)
            os.close(self.fd)
            self.fd = None


class Reader(Channel):
    """An output read of one process from an offset, with credit."""

    def __init__(self, runner, cid, proc, offset, follow, credit):
        super().__init__(runner, cid)
        self.proc = proc
        self.offset = offset
        self.follow = follow
        self.credit = credit

    def on_credit(self, n):
        self.credit += n
        self.pump()

    def pump(self):
        log = self.proc.log
        if self.offset < log.start:
            if self.credit < GAP.size:
                return
            self.runner.send(GAPR, self.id, GAP.pack(self.offset, log.start - self.offset))
            self.credit -= GAP.size
            self.offset = log.start
        while self.offset < log.end and self.credit > 0:
            stream, part = log.piece(self.offset, min(READ_CHUNK, self.credit))
            if not part:
                return
            self.runner.send(OUTPUT, self.id, CHUNK.pack(stream, self.offset) + part)
            self.offset += len(part)
            self.credit -= len(part)
        if self.offset >= log.end:
            if self.proc.finished:
                self.runner.finish(self, EXIT, self.proc.exit_info())
            elif not self.follow:
                self.runner.finish(self, END, {"offset": self.offset})

    def close(self):
        if self in self.proc.readers:
            self.proc.readers.remove(self)


# --- the runner -----------------------------------------------------------------------------------

class Runner:
    def __init__(self):
        self.sel = selectors.DefaultSelector()
        self.out = bytearray()          # frames waiting for the host to read them
        self.inbuf = bytearray()
        self.deferred = []              # frames held while quiesced
        self.procs = {}                 # process id -> Process (running, then some exited)
        self.exited = collections.deque()
        self.by_pid = {}                # pid -> Process or Pending
        self.pending = {}               # status fd -> Pending start
        self.channels = {}
        self.next_id = 1
        self.quiesced = False
        self.spare = None
        self.idle_since = time.monotonic()
        self.stale = False              # some exited process still holds pipes
        wake_r, wake_w = os.pipe()
        set_nonblocking(wake_r)
        set_nonblocking(wake_w)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_IGN)
        self.wake_r = wake_r
        self.handlers = {}              # fd -> [on readable, on writable]
        self.held = []                  # frames made while quiesced, sent after the resume
        set_nonblocking(0)
        set_nonblocking(1)
        self.watch_fd(0, 0, self.on_host)
        self.watch_fd(wake_r, 0, self.on_signal)

    # --- descriptors -----------------------------------------------------------------------------
    def watch_fd(self, fd, slot, callback):
        """Sets (or with None clears) the read (slot 0) or write (slot 1) callback of fd."""
        h = self.handlers.get(fd)
        old = 0 if h is None else (selectors.EVENT_READ if h[0] else 0) | (selectors.EVENT_WRITE if h[1] else 0)
        if h is None:
            h = self.handlers[fd] = [None, None]
        h[slot] = callback
        new = (selectors.EVENT_READ if h[0] else 0) | (selectors.EVENT_WRITE if h[1] else 0)
        if new == old:
            if not new:
                del self.handlers[fd]
            return
        if not old:
            self.sel.register(fd, new)
        elif not new:
            self.sel.unregister(fd)
            del self.handlers[fd]
        else:
            self.sel.modify(fd, new)

    def forget_fd(self, fd):
        if self.handlers.pop(fd, None) is not None:
            self.sel.unregister(fd)

    def watching(self, fd, slot):
        h = self.handlers.get(fd)
        return h is not None and h[slot] is not None

    # --- frames out ------------------------------------------------------------------------------
    def send(self, kind, channel, payload=b""):
        if self.quiesced:
            self.held.append(HEADER.pack(kind, channel, len(payload)) + payload)
            return
        self.out += HEADER.pack(kind, channel, len(payload))
        self.out += payload

    def send_now(self, kind, channel, value):
        """A lifecycle answer: goes out even while quiesced."""
        payload = json.dumps(value, separators=(",", ":")).encode()
        self.out += HEADER.pack(kind, channel, len(payload))
        self.out += payload

    def send_json(self, kind, channel, value):
        self.send(kind, channel, json.dumps(value, separators=(",", ":")).encode())

    def flush(self):
        while self.out:
            try:
                n = os.write(1, self.out)   # may be partial under gVisor: keep the rest
            except BlockingIOError:
                return
            except OSError as e:
                if e.errno == errno.EINTR:
                    continue
                if e.errno == errno.EPIPE:
                    os._exit(0)             # the host is gone: nothing left to serve
                raise
            del self.out[:n]

    def flush_all(self):
        # Blocking until the host has taken every queued frame: after this the pipe holds only
        # whole frames, which is what a checkpoint may freeze.
        fcntl.fcntl(1, fcntl.F_SETFL, fcntl.fcntl(1, fcntl.F_GETFL) & ~os.O_NONBLOCK)
        try:
            self.flush()
        finally:
            set_nonblocking(1)

    def finish(self, ch, kind, value):
        """Ends a request channel with its last frame."""
        if self.channels.pop(ch.id, None) is None:
            return
        ch.close()
        self.send_json(kind, ch.id, value)

    def fail(self, cid, kind, detail):
        self.channels.pop(cid, None)
        self.send_json(ERROR, cid, {"kind": kind, "detail": detail})

    # --- frames in -------------------------------------------------------------------------------
    def on_host(self, fd):
        try:
            data = os.read(0, HOST_READ)
        except BlockingIOError:
            return
        if not data:
            # The host closed our stdin. During a checkpoint the runner never sees this (it is
            # frozen); otherwise the host is gone and the sandbox should end.
            os._exit(0)
        self.idle_since = None
        self.inbuf += data
        pos = 0
        while len(self.inbuf) - pos >= HEADER.size:
            kind, channel, length = HEADER.unpack_from(self.inbuf, pos)
            if len(self.inbuf) - pos < HEADER.size + length:
                break
            payload = bytes(self.inbuf[pos + HEADER.size:pos + HEADER.size + length])
            pos += HEADER.size + length
            self.dispatch(kind, channel, payload)
        del self.inbuf[:pos]

    def dispatch(self, kind, channel, payload):
        if kind == Q:
            try:
                req = json.loads(payload)
                if not isinstance(req, dict):
                    raise ValueError
            except ValueError:
                self.fail(channel, "invalid_request", "the request is not a JSON object")
                return
            if self.quiesced and req.get("op") not in LIFECYCLE_OPS:
                self.deferred.append((kind, channel, req))
                return
            self.request(channel, req)
        elif kind == C:
            if len(payload) != 4:
                return
            n = U32.unpack(payload)[0]
            proc = self.procs.get(channel) if channel <= PROCESS_CHANNELS else None
            if proc is not None:
                proc.credit += n
                self.update_reading(proc)
                self.finish_process(proc)
            elif channel in self.channels:
                self.channels[channel].on_credit(n)
        elif self.quiesced:
            self.deferred.append((kind, channel, payload))
        elif kind == I:
            self.stdin(channel, payload)
        elif kind in (D, E):
            ch = self.channels.get(channel)
            if ch is not None:
                ch.on_data(payload) if kind == D else ch.on_end()
        elif kind == Z:
            ch = self.channels.pop(channel, None)
            if ch is not None:
                ch.close()
                self.send_json(ERROR, channel, {"kind": "cancelled", "detail": "cancelled by the host"})
        # anything else: not ours to answer (frames for a channel we already ended cross our answer)

    def request(self, cid, req):
        op = req.get("op")
        handler = getattr(self, "op_" + op, None) if isinstance(op, str) and op.isidentifier() else None
        if handler is None:
            self.fail(cid, "invalid_request", "unknown operation %r" % (op,))
            return
        lifecycle = op in LIFECYCLE_OPS
        try:
            result = handler(cid, req)
        except Fault as f:
            self.channels.pop(cid, None)
            value, kind = {"kind": f.kind, "detail": f.detail}, ERROR
        except (TypeError, ValueError, KeyError, AttributeError) as e:
            self.channels.pop(cid, None)
            value, kind = {"kind": "invalid_request", "detail": "malformed %s request: %s" % (op, e)}, ERROR
        except Exception as e:  # noqa: BLE001 - a request fails, the runner goes on
            self.channels.pop(cid, None)
            value, kind = {"kind": "io", "detail": "%s failed: %s" % (op, e)}, ERROR
        else:
            if result is None:
                return
            value, kind = result, REPLY
        if lifecycle:
            self.send_now(kind, cid, value)
        else:
            self.send_json(kind, cid, value)

    # --- lifecycle -------------------------------------------------------------------------------
    def op_ping(self, cid, req):
        return {}

    def op_sync(self, cid, req):
        os.sync()
        if not req.get("quiesce"):
            return {}
        self.quiesced = True
        for proc in self.procs.values():
            self.update_reading(proc)
        self.send_now(REPLY, cid, {})
        self.flush_all()
        return None

    def op_resume(self, cid, req):
        if self.quiesced:
            self.quiesced = False
            for frame in self.held:
                self.out += frame
            self.held = []
            for proc in list(self.procs.values()):
                self.update_reading(proc)
                self.finish_process(proc)
            held, self.deferred = self.deferred, []
            for kind, channel, payload in held:
                if kind == Q:
                    self.request(channel, payload)
                else:
                    self.dispatch(kind, channel, payload)
        return {}

    def op_revive(self, cid, req):
        """After a restore: the host is a new connection. What the old one had open is gone."""
        self.out.clear()
        self.held = []
        self.deferred = []
        for ch in list(self.channels.values()):
            ch.close()
        self.channels.clear()
        for pending in self.pending.values():
            pending.channel = None      # its answer belonged to the old connection
        for proc in self.procs.values():
            proc.readers = []
            proc.stdin_waiters = []
        hostname = want(req, "hostname", str)
        if hostname:
            try:
                import socket
                socket.sethostname(hostname)
            except OSError as e:
                raise Fault("permission", "cannot set the hostname: %s" % e) from None
        if "random" in sys.modules:   # nothing here imports it; a fork must never share its state
            sys.modules["random"].seed()
        running = [[p.id, p.policy, p.credit, p.log.end, p.tag] for p in self.procs.values() if not p.finished]
        return {"version": VERSION, "pid": os.getpid(), "running": running}

    def op_stats(self, cid, req):
        """What the runner holds, to check that nothing leaks: its open descriptors (counted by probing,
        since its own /proc/1/fd is covered), open channels, processes it knows and their children."""
        fds = 0
        for fd in range(4096):
            try:
                fcntl.fcntl(fd, fcntl.F_GETFD)
                fds += 1
            except OSError:
                pass
        return {"descriptors": fds, "channels": len(self.channels), "processes": len(self.procs),
                "running": sum(1 for p in self.procs.values() if not p.finished), "pending": len(self.pending),
                "spare": self.spare is not None}

    # --- processes -------------------------------------------------------------------------------
    def op_start(self, cid, req):
        policy = want(req, "policy", str, "keep")
        if policy not in ("keep", "block"):
            raise Fault("invalid_request", "policy must be keep or block")
        if policy == "block" and sum(1 for p in self.procs.values() if p.policy == "block" and not p.finished) >= MAX_BLOCK_PROCESSES:
            raise Fault("invalid_request", "at most %d block processes may run at once" % MAX_BLOCK_PROCESSES)
        for name in ("keep_bytes", "credit"):
            v = want(req, name, int)
            if v is not None and v < 0:
                raise Fault("invalid_request", "%s must be >= 0" % name)
        timeout = want(req, "timeout", (int, float), 0)
        if timeout < 0:
            raise Fault("invalid_request", "timeout must be >= 0")
        want(req, "tag", str)
        env = LIMITS.env()
        extra = want(req, "env", dict, {})
        for k, v in extra.items():
            if not isinstance(v, str) or not k or "=" in k or "\0" in k or "\0" in v:
                raise Fault("invalid_request", "env must map names to strings")
            env[k] = v
        cwd = clean_path(want(req, "cwd", str, "/"))
        pty = want(req, "pty", dict)
        if pty is not None:
            cols, rows = pty.get("cols"), pty.get("rows")
            if not isinstance(cols, int) or not isinstance(rows, int) or not (1 <= cols <= 10000 and 1 <= rows <= 10000):
                raise Fault("invalid_request", "pty needs cols and rows between 1 and 10000")
            env.setdefault("TERM", "xterm-256color")
        cmd = want(req, "cmd", list)
        if cmd is not None:
            if not cmd or not all(isinstance(a, str) and "\0" not in a for a in cmd):
                raise Fault("invalid_request", "cmd must be a non-empty list of strings")
            job = {"mode": "exec", "argv": cmd}
            display = cmd
        else:
            language = want(req, "language", str, required=True)
            code = want(req, "code", str, "")
            if language not in ("python", "bash"):
                raise Fault("invalid_request", "language must be python or bash")
            job = {"mode": language, "code": code}
            display = ["python3" if language == "python" else "bash"]
        job.update(cwd=cwd, env=env)
        want(req, "stdin", str)
        try:
            spawned = self.spawn(job, pty)
        except OSError as e:
            raise Fault("spawn_failed", "cannot start a process: %s" % e) from None
        spawned["display"] = display
        pending = Pending(cid, req, spawned)
        self.pending[spawned["status"]] = pending
        self.by_pid[spawned["pid"]] = pending
        self.watch_fd(spawned["status"], 0, self.on_status)
        self.idle_since = None
        return None   # answered when the child says it is running (on_status)

    def spawn(self, job, pty):
        if pty is None:
            return spare_start(self.take_spare() or fork_spare(), job)
        return fork_terminal(job, pty["cols"], pty["rows"])

    def on_status(self, fd):
        pending = self.pending.get(fd)
        if pending is None:
            return
        try:
            data = os.read(fd, 65536)
        except BlockingIOError:
            return
        self.forget_fd(fd)
        os.close(fd)
        del self.pending[fd]
        sp = pending.spawned
        if data:
            try:
                fault = json.loads(data)
                kind, detail = fault["kind"], fault["detail"]
            except (ValueError, KeyError, TypeError):
                kind, detail = "spawn_failed", data.decode("utf-8", "replace")
            for fd_ in sp.get("close", []):
                os.close(fd_)
            if pending.status is None:
                self.by_pid[sp["pid"]] = None   # reaped later, forgotten then
            else:
                self.by_pid.pop(sp["pid"], None)
            if pending.channel is not None:
                self.fail(pending.channel, kind, detail)
            return
        proc = Process(sp["pid"], pending.req, sp)
        proc.id = self.next_id
        self.next_id += 1
        for f, stream in sp["outputs"]:
            proc.fds[f] = stream
        self.procs[proc.id] = proc
        if pending.status is None:
            self.by_pid[proc.pid] = proc
        else:
            self.by_pid.pop(proc.pid, None)
            proc.status = pending.status
            proc.exited_at = time.monotonic()
        if pending.channel is not None:
            self.send_json(REPLY, pending.channel, {"process_id": proc.id, "pid": proc.pid})
        if not pending.stdin_open:
            proc.stdin_eof = True
            self.pump_stdin(proc)
        self.update_reading(proc)
        self.finish_process(proc)

    def take_spare(self):
        spare, self.spare = self.spare, None
        if spare is not None:
            try:
                done, _ = os.waitpid(spare["pid"], os.WNOHANG)
            except ChildProcessError:
                done = spare["pid"]
            if done:   # it died waiting (it never should): discard it
                for fd in spare["close"] + [spare["ctl"], spare["status"]]:
                    os.close(fd)
                spare = None
        return spare

    def keep_spare(self, now):
        # The next spare is forked once the sandbox is idle, so that the fork never competes with
        # an execution (or other sandboxes) for the CPU, and a sandbox that ends right after its
        # only execution never pays for one.
        if (self.spare is None and not self.quiesced and self.idle_since is not None and now - self.idle_since >= SPARE_IDLE
                and not any(p.policy == "block" and not p.finished for p in self.procs.values())):
            try:
                self.spare = fork_spare()
            except OSError:
                self.idle_since = now + 1.0

    def op_processes(self, cid, req):
        batch, size = [], 2
        for proc in self.procs.values():
            item = json.dumps(proc.info(), separators=(",", ":"))
            if batch and size + len(item) > LIST_FRAME:
                self.send(ENTRIES, cid, ("[" + ",".join(batch) + "]").encode())
                batch, size = [], 2
            batch.append(item)
            size += len(item) + 1
        if batch:
            self.send(ENTRIES, cid, ("[" + ",".join(batch) + "]").encode())
        self.send_json(END, cid, {"truncated": False})
        return None

    def process_for(self, req, running=True):
        pid_ = req.get("process")
        proc = self.procs.get(pid_) if isinstance(pid_, int) and not isinstance(pid_, bool) else None
        if proc is None:
            raise Fault("unknown_process", "there is no process %r in this sandbox" % (pid_,))
        if running and proc.status is not None:
            raise Fault("already_exited", "process %d has already exited" % proc.id)
        return proc

    def op_signal(self, cid, req):
        proc = self.process_for(req)
        name = req.get("signal")
        if name not in SIGNALS:
            raise Fault("invalid_request", "signal must be one of TERM, KILL, INT, HUP")
        proc.signals.add(SIGNALS[name])
        kill_group(proc.pid, SIGNALS[name])
        return {}

    def op_resize(self, cid, req):
        proc = self.process_for(req)
        if proc.pty is None:
            raise Fault("not_a_terminal", "process %d does not run on a terminal" % proc.id)
        cols, rows = req.get("cols"), req.get("rows")
        if not isinstance(cols, int) or not isinstance(rows, int) or not (1 <= cols <= 10000 and 1 <= rows <= 10000):
            raise Fault("invalid_request", "cols and rows must be between 1 and 10000")
        fcntl.ioctl(proc.pty, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        return {}

    def op_eof(self, cid, req):
        proc = self.process_for(req)
        if proc.stdin_fd is None or proc.stdin_eof:
            raise Fault("stdin_closed", "the stdin of process %d is closed" % proc.id)
        proc.stdin_eof = True
        self.pump_stdin(proc)
        return {}

    def stdin(self, cid, payload):
        if len(payload) < 4:
            self.fail(cid, "invalid_request", "a stdin frame starts with a process id")
            return
        try:
            proc = self.process_for({"process": U32.unpack_from(payload)[0]})
        except Fault as f:
            self.fail(cid, f.kind, f.detail)
            return
        if proc.stdin_fd is None or proc.stdin_eof:
            self.fail(cid, "stdin_closed", "the stdin of process %d is closed" % proc.id)
            return
        proc.stdin_buf += payload[4:]
        self.pump_stdin(proc)
        if proc.stdin_fd is None:
            self.fail(cid, "stdin_closed", "process %d closed its stdin" % proc.id)
        elif len(proc.stdin_buf) <= STDIN_HIGH_WATER:
            self.send(REPLY, cid, b"{}")
        else:
            proc.stdin_waiters.append(cid)

    def pump_stdin(self, proc):
        if proc.stdin_fd is None:
            return
        while proc.stdin_buf:
            try:
                n = os.write(proc.stdin_fd, proc.stdin_buf)
            except BlockingIOError:
                break
            except OSError:                  # the program closed its stdin: drop what is left
                proc.stdin_buf.clear()
                self.close_stdin(proc)
                return
            del proc.stdin_buf[:n]
        if proc.stdin_waiters and len(proc.stdin_buf) <= STDIN_HIGH_WATER:
            for cid in proc.stdin_waiters:
                self.send(REPLY, cid, b"{}")
            proc.stdin_waiters = []
        self.watch_fd(proc.stdin_fd, 1, (lambda fd, p=proc: self.pump_stdin(p)) if proc.stdin_buf else None)
        if not proc.stdin_buf and proc.stdin_eof:
            if proc.pty is not None:
                try:
                    os.write(proc.stdin_fd, b"\x04")   # a terminal's end of input is ^D, not a hang-up
                except OSError:
                    pass
                proc.stdin_fd = None
            else:
                self.close_stdin(proc)

    def close_stdin(self, proc):
        fd, proc.stdin_fd = proc.stdin_fd, None
        if fd is None:
            return
        self.watch_fd(fd, 1, None)
        if fd != proc.pty:
            os.close(fd)
        for cid in proc.stdin_waiters:
            self.fail(cid, "stdin_closed", "process %d closed its stdin" % proc.id)
        proc.stdin_waiters = []

    # --- output ------------------------------------------------------------------------------------
    def update_reading(self, proc):
        """Registers a process's output descriptors while they may be read: never while quiesced,
        and for a block process only while the host has granted credit."""
        on = not self.quiesced and (proc.policy == "keep" or proc.credit > 4)
        for fd in proc.fds:
            if on != self.watching(fd, 0):
                self.watch_fd(fd, 0, (lambda f, p=proc: self.read_output(p, f)) if on else None)

    def read_output(self, proc, fd):
        stream = proc.fds.get(fd)
        if stream is None:
            return
        carry = proc.carry.get(stream, b"")
        size = READ_CHUNK - len(carry)
        if proc.policy == "block":
            size = min(size, proc.credit - len(carry))
            if size <= 0:
                self.update_reading(proc)
                return
        try:
            data = os.read(fd, size)
        except BlockingIOError:
            return
        except OSError:
            data = b""   # EIO: a terminal whose last user is gone
        if not data:
            self.close_output(proc, fd)
            return
        if stream != 1:
            proc.watch_output(data)
        data = carry + data
        cut = utf8_complete(data)
        proc.carry[stream] = data[cut:]
        self.append_output(proc, stream, data[:cut])

    def append_output(self, proc, stream, data):
        if not data:
            return
        offset = proc.log.end
        proc.log.append(stream, data)
        if proc.policy == "block":
            self.send(OUTPUT, proc.id, CHUNK.pack(stream, offset) + data)
            proc.credit -= len(data)
            if proc.credit <= 4:
                self.update_reading(proc)
        for reader in list(proc.readers):
            reader.pump()

    def close_output(self, proc, fd):
        if fd in proc.fds:
            del proc.fds[fd]
            if fd == proc.pty and proc.stdin_fd == fd:
                proc.stdin_fd = None
            self.forget_fd(fd)
            os.close(fd)
        self.finish_process(proc)

    def finish_process(self, proc):
        """Once the program has exited and its output is closed: its tail (half characters, limit
        notes) goes into the log, then the exit is announced."""
        if proc.finished or proc.status is None or proc.fds or self.quiesced:
            return
        if proc.tail is None:
            proc.tail = [(s, c) for s, c in proc.carry.items() if c]
            proc.carry = {}
            if proc.status != 0:
                notes = limit_notes(proc.hit)
                if notes:
                    proc.tail.append((3 if proc.pty is not None else 2, notes))
            if proc.stdin_fd is not None:
                self.close_stdin(proc)
            for cid in proc.stdin_waiters:
                self.fail(cid, "stdin_closed", "process %d has exited" % proc.id)
            proc.stdin_waiters = []
        while proc.tail:
            stream, data = proc.tail[0]
            if proc.policy == "block":
                if proc.credit <= 0:
                    return
                part = data[:proc.credit]
            else:
                part = data
            self.append_output(proc, stream, part)
            if len(part) < len(data):
                proc.tail[0] = (stream, data[len(part):])
            else:
                proc.tail.pop(0)
        proc.finished = True
        proc.ended_at = time.time()
        self.send_json(EXIT, proc.id, proc.exit_info())
        for reader in list(proc.readers):
            reader.pump()
        self.exited.append(proc.id)
        self.forget_old()
        self.idle_since = time.monotonic()

    def forget_old(self):
        while len(self.exited) > KEEP_EXITED:
            old = self.procs.get(self.exited[0])
            if old is not None and old.readers:
                break
            self.exited.popleft()
            self.procs.pop(old.id if old else 0, None)
        # the logs of exited processes live in this process's memory: past the budget, the oldest go
        kept = [self.procs[i] for i in self.exited if i in self.procs]
        total = sum(p.log.size for p in kept)
        for p in kept:
            if total <= EXITED_LOG_BUDGET:
                break
            total -= p.log.size
            p.log.keep = 0
            p.log.trim()

    def op_output(self, cid, req):
        proc = self.process_for(req, running=False)
        offset = want(req, "offset", int, 0)
        credit = want(req, "credit", int, 0)
        if offset < 0 or credit < 0:
            raise Fault("invalid_request", "offset and credit must be >= 0")
        reader = Reader(self, cid, proc, min(offset, proc.log.end), bool(req.get("follow")), credit)
        self.channels[cid] = reader
        proc.readers.append(reader)
        reader.pump()
        return None

    def on_signal(self, fd):
        try:
            os.read(self.wake_r, 4096)
        except BlockingIOError:
            pass

    def reap(self):
        while True:
            try:
                pid_, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid_ == 0:
                return
            owner = self.by_pid.pop(pid_, None)
            if isinstance(owner, Pending):
                owner.status = status
                self.by_pid[pid_] = owner   # on_status finishes it
            elif isinstance(owner, Process):
                owner.status = status
                owner.exited_at = time.monotonic()
                # A child forked while the group was being signalled can miss the signal under gVisor
                # (Linux restarts such a fork; gVisor does not): the group gets it once more now.
                for sig in owner.signals:
                    try:
                        os.kill(-owner.pid, sig)
                    except (ProcessLookupError, PermissionError):
                        pass
                self.idle_since = time.monotonic()
                self.stale = True
                self.finish_process(owner)

    def tick(self, now):
        for proc in list(self.procs.values()):
            if proc.deadline is not None and proc.status is None and now >= proc.deadline:
                proc.timed_out = True
                proc.deadline = None
                proc.signals.add(signal.SIGKILL)
                kill_group(proc.pid, signal.SIGKILL)
        if self.stale:
            # A program that exited but left background children holding its output would keep
            # its process open forever; after a short drain, pipes with nothing to read are closed.
            self.stale = False
            for proc in list(self.procs.values()):
                if proc.status is None or not proc.fds:
                    continue
                self.stale = True
                if now - proc.exited_at < DRAIN_AFTER_EXIT or self.quiesced:
                    continue
                for fd in list(proc.fds):
                    if not readable(fd):
                        self.close_output(proc, fd)

    # --- files -------------------------------------------------------------------------------------
    def op_write(self, cid, req):
        mode = want(req, "mode", int)
        if mode is not None and not 0 <= mode <= 0o7777:
            raise Fault("invalid_request", "mode must be between 0 and 07777")
        self.channels[cid] = Upload(self, cid, clean_path(req.get("path")), mode)
        return None

    def op_read(self, cid, req):
        credit = want(req, "credit", int, 0)
        self.channels[cid] = Download(self, cid, clean_path(req.get("path")), max(0, credit))
        return None

    def op_stat(self, cid, req):
        path = clean_path(req.get("path"))
        try:
            return entry_of(path, os.lstat(path))
        except OSError as e:
            raise os_fault(e, path) from None

    def op_mkdir(self, cid, req):
        path = clean_path(req.get("path"))
        try:
            os.makedirs(path, exist_ok=True)
            return entry_of(path, os.lstat(path))
        except FileExistsError:
            raise Fault("exists", "%s exists and is not a directory" % path) from None
        except OSError as e:
            raise os_fault(e, path) from None

    def op_list(self, cid, req):
        path = clean_path(req.get("path"))
        depth = want(req, "depth", int, 1)
        limit = want(req, "limit", int, 10000)
        if depth < 1 or limit < 1:
            raise Fault("invalid_request", "depth and limit must be >= 1")
        try:
            st = os.stat(path)
        except OSError as e:
            raise os_fault(e, path) from None
        if not stat.S_ISDIR(st.st_mode):
            raise Fault("not_directory", "%s is not a directory" % path)
        self.channels[cid] = Walk(self, cid, self.list_entries(cid, path, depth, limit))
        return None

    def list_entries(self, cid, top, depth, limit):
        batch, size, count, truncated = [], 2, 0, False
        todo = collections.deque([(top, 1)])
        while todo and not truncated:
            where, level = todo.popleft()
            try:
                with os.scandir(where) as it:
                    items = sorted(it, key=lambda e: e.name)
            except OSError as e:
                if where == top:
                    raise os_fault(e, top)
                continue
            for item in items:
                yield True
                if count >= limit:
                    truncated = True
                    break
                try:
                    st = item.stat(follow_symlinks=False)
                except OSError:
                    continue
                path = posixpath.join(where, item.name)
                entry = json.dumps(entry_of(path, st), separators=(",", ":"))
                if batch and size + len(entry) > LIST_FRAME:
                    self.send(ENTRIES, cid, ("[" + ",".join(batch) + "]").encode())
                    batch, size = [], 2
                batch.append(entry)
                size += len(entry) + 1
                count += 1
                if level < depth and stat.S_ISDIR(st.st_mode):
                    todo.append((path, level + 1))
        if batch:
            self.send(ENTRIES, cid, ("[" + ",".join(batch) + "]").encode())
        ch = self.channels.get(cid)
        if ch is not None:
            self.finish(ch, END, {"truncated": truncated})

    def op_delete(self, cid, req):
        path = clean_path(req.get("path"))
        if path == "/":
            raise Fault("invalid_path", "the root directory cannot be deleted")
        recursive = bool(req.get("recursive"))
        try:
            st = os.lstat(path)
        except OSError as e:
            raise os_fault(e, path) from None
        if not stat.S_ISDIR(st.st_mode):
            try:
                os.unlink(path)
            except OSError as e:
                raise os_fault(e, path) from None
            return {}
        if not recursive:
            try:
                os.rmdir(path)
            except OSError as e:
                if e.errno in (errno.ENOTEMPTY, errno.EEXIST):
                    raise Fault("not_empty", "%s is a directory that is not empty; delete it recursively" % path) from None
                raise os_fault(e, path) from None
            return {}
        self.channels[cid] = Walk(self, cid, self.delete_tree(cid, path))
        return None

    def delete_tree(self, cid, top):
        for dirpath, dirnames, filenames in os.walk(top, topdown=False):
            for name in filenames + [d for d in dirnames if os.path.islink(posixpath.join(dirpath, d))]:
                yield True
                try:
                    os.unlink(posixpath.join(dirpath, name))
                except FileNotFoundError:
                    pass
                except OSError as e:
                    raise os_fault(e, posixpath.join(dirpath, name))
            for name in dirnames:
                p = posixpath.join(dirpath, name)
                if os.path.islink(p):
                    continue
                yield True
                try:
                    os.rmdir(p)
                except FileNotFoundError:
                    pass
                except OSError as e:
                    raise os_fault(e, p)
        try:
            os.rmdir(top)
        except OSError as e:
            raise os_fault(e, top)
        ch = self.channels.get(cid)
        if ch is not None:
            self.finish(ch, REPLY, {})

    def op_watch(self, cid, req):
        credit = want(req, "credit", int, 0)
        self.channels[cid] = Watch(self, cid, clean_path(req.get("path")), bool(req.get("recursive")), max(0, credit))
        return None

    # --- the loop ----------------------------------------------------------------------------------
    def run(self):
        self.send_json(READY, 0, {"version": VERSION, "pid": os.getpid()})
        while True:
            self.flush()
            if bool(self.out) != self.watching(1, 1):
                self.watch_fd(1, 1, (lambda fd: None) if self.out else None)
            busy = not self.quiesced and any(ch.busy for ch in self.channels.values())
            timeout = 0 if busy else None
            if self.stale:
                timeout = DRAIN_AFTER_EXIT / 2 if timeout is None else timeout
            deadlines = [p.deadline for p in self.procs.values() if p.deadline is not None and p.status is None]
            now = time.monotonic()
            if deadlines:
                wait = max(0.0, min(deadlines) - now)
                timeout = wait if timeout is None else min(timeout, wait)
            if self.spare is None and not self.quiesced and not any(p.policy == "block" and not p.finished for p in self.procs.values()):
                if self.idle_since is None:
                    self.idle_since = now
                wait = max(0.0, self.idle_since + SPARE_IDLE - now)
                timeout = wait if timeout is None else min(timeout, wait)
            for key, mask in self.sel.select(timeout):
                h = self.handlers.get(key.fd)
                try:
                    if h is not None and mask & selectors.EVENT_READ and h[0]:
                        h[0](key.fd)
                    h = self.handlers.get(key.fd)
                    if h is not None and mask & selectors.EVENT_WRITE and h[1]:
                        h[1](key.fd)
                except Exception:  # noqa: BLE001 - one bad descriptor must not end the sandbox
                    import traceback
                    os.write(2, ("runner: %s" % traceback.format_exc()).encode())
                    self.forget_fd(key.fd)
            # after every wake-up, not only after a SIGCHLD: signals coalesce, and an orphan that becomes
            # our zombie just after a reap may bring no SIGCHLD of its own
            self.reap()
            if busy:
                for ch in list(self.channels.values()):
                    if ch.busy and len(self.out) < HOST_READ:
                        ch.step()
            now = time.monotonic()
            self.tick(now)
            self.keep_spare(now)


class Pending:
    """A process whose child has not yet said it runs (or why it cannot)."""

    def __init__(self, channel, req, spawned):
        self.channel = channel
        self.req = req
        self.spawned = spawned
        self.stdin_open = req.get("stdin", "open") != "closed"
        self.status = None


def readable(fd):
    p = select.poll()
    p.register(fd, select.POLLIN)
    try:
        return any(ev & select.POLLIN for _, ev in p.poll(0))
    except OSError:
        return False


def kill_group(pid_, sig):
    for target in (-pid_, pid_):
        try:
            os.kill(target, sig)
        except (ProcessLookupError, PermissionError):
            pass


# --- children -------------------------------------------------------------------------------------
# A child's descriptors: 0-2 stdio, 3 the request (spare) or the bash script, 4 the status pipe
# (close-on-exec: it reads end-of-file when the program runs, or the reason it could not).

def fork_spare():
    """Forks a child that waits, stdio already in place and privileges dropped, for the request it
    will run."""
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    ctl_r, ctl_w = os.pipe()
    st_r, st_w = os.pipe()
    pid_ = os.fork()
    if pid_ == 0:
        child(lambda: (os.dup2(in_r, 0), os.dup2(out_w, 1), os.dup2(err_w, 2)), ctl_r, st_w, None)
    for fd in (in_r, out_w, err_w, ctl_r, st_w):
        os.close(fd)
    for fd in (in_w, out_r, err_r, st_r):
        set_nonblocking(fd)
    return {"pid": pid_, "stdin": in_w, "outputs": [(out_r, 1), (err_r, 2)], "ctl": ctl_w, "status": st_r,
            "close": [in_w, out_r, err_r]}


def spare_start(spare, job):
    request = json.dumps(job).encode()
    ctl = spare.pop("ctl")
    try:
        write_all(ctl, U32.pack(len(request)) + request)
    finally:
        os.close(ctl)
    return spare


def fork_terminal(job, cols, rows):
    master, slave = os.openpty()
    fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
    st_r, st_w = os.pipe()

    def stdio():
        fcntl.ioctl(slave, termios.TIOCSCTTY, 0)
        for fd in (0, 1, 2):
            os.dup2(slave, fd)

    pid_ = os.fork()
    if pid_ == 0:
        os.close(master)
        child(stdio, None, st_w, job)
    os.close(slave)
    os.close(st_w)
    set_nonblocking(master)
    set_nonblocking(st_r)
    return {"pid": pid_, "stdin": master, "master": master, "outputs": [(master, 3)], "status": st_r,
            "close": [master]}


def read_exactly(fd, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = os.read(fd, n - len(buf))
        if not chunk:
            os._exit(0)   # the runner is gone, or this spare was never needed
        buf += chunk
    return bytes(buf)


def child(stdio, ctl, status, job):
    out = status
    try:
        # out of the way of 0-4 first, so that no dup2 below overwrites a descriptor still needed
        out = status = fcntl.fcntl(status, fcntl.F_DUPFD_CLOEXEC, 10)
        if ctl is not None:
            ctl = fcntl.fcntl(ctl, fcntl.F_DUPFD, 10)
        os.setsid()
        stdio()
        if ctl is not None:
            os.dup2(ctl, 3)
        os.dup2(status, 4, inheritable=False)
        out = 4
        os.closerange(5, 65536)
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        signal.set_wakeup_fd(-1)
        drop_privileges()
        LIMITS.apply()
    except BaseException as e:  # noqa: BLE001 - the runner answers the request with this
        report(out, "spawn_failed", "cannot prepare the process: %s" % e)
    try:
        if job is None:
            (length,) = struct.unpack("<I", read_exactly(3, 4))
            job = json.loads(read_exactly(3, length))
            os.close(3)
        run_job(job)
    except BaseException as e:  # noqa: BLE001
        report(4, "spawn_failed", "cannot start: %s" % e)


def report(fd, kind, detail):
    try:
        os.write(fd, json.dumps({"kind": kind, "detail": detail}).encode())
    finally:
        os._exit(127)


def run_job(job):
    cwd = job["cwd"]
    try:
        os.chdir(cwd)
    except OSError as e:
        report(4, ERRNO_KINDS.get(e.errno, "spawn_failed"), "cannot use %s as the working directory: %s" % (cwd, e.strerror))
    env = job["env"]
    mode = job["mode"]
    if mode == "exec":
        argv = job["argv"]
        try:
            os.execvpe(argv[0], argv, env)
        except OSError as e:
            report(4, ERRNO_KINDS.get(e.errno, "spawn_failed"), "cannot run %s: %s" % (argv[0], e.strerror))
    if mode == "bash":
        script = os.memfd_create("main.sh", 0)
        write_all(script, job["code"].encode("utf-8", "replace"))
        os.lseek(script, 0, os.SEEK_SET)
        if script != 3:
            os.dup2(script, 3)
            os.close(script)
        try:
            os.execve("/bin/bash", ["bash", "/proc/self/fd/3"], env)
        except OSError as e:
            report(4, ERRNO_KINDS.get(e.errno, "spawn_failed"), "cannot run bash: %s" % e.strerror)
    os.close(4)
    run_python(job["code"], env, cwd)


def run_python(code, env, cwd):
    # A forked interpreter behaves like `python3 /main.py`: fresh __main__, line-buffered stdout
    # (a buffered writer finishes partial pipe writes, which `-u` would silently drop under
    # gVisor), and the program's own exit status.
    os.environ.clear()
    os.environ.update(env)
    sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)),
                                  encoding="utf-8", line_buffering=True)
    sys.stderr = io.TextIOWrapper(io.BufferedWriter(io.FileIO(2, "w", closefd=False)),
                                  encoding="utf-8", line_buffering=True, errors="backslashreplace")
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = sys.stdin, sys.stdout, sys.stderr
    filename = "/main.py"
    sys.argv = [filename]
    sys.path[0] = cwd
    main = types.ModuleType("__main__")
    main.__file__ = filename
    main.__builtins__ = __builtins__
    sys.modules["__main__"] = main
    linecache.cache[filename] = (len(code), None, code.splitlines(True), filename)
    status = 0
    try:
        exec(compile(code, filename, "exec"), main.__dict__)
    except SystemExit as e:
        status = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
        if e.code is not None and not isinstance(e.code, int):
            print(e.code, file=sys.stderr)
    except BaseException as e:  # noqa: BLE001 - mirror the interpreter's own uncaught-error report
        tb = e.__traceback__.tb_next if e.__traceback__ else None
        sys.excepthook(type(e), e.with_traceback(tb), tb)
        status = 1
    try:
        threading._shutdown()
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001
        pass
    os._exit(status & 0xFF)


if __name__ == "__main__":
    mask_own_descriptors()
    refuse_user_namespaces()
    Runner().run()
