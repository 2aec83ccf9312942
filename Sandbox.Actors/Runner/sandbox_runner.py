# The resident runner: the first process (PID 1) of every sandbox.
#
# It talks to the host over its own stdin/stdout with binary frames and starts each execution as
# its own child, with pipes that live inside the sandbox. Because no host descriptor is held by an
# execution, `runsc checkpoint` can capture a sandbox while code runs and `runsc restore` can hand
# the runner fresh stdio. Python executions are forked from this already-initialised interpreter,
# which saves the interpreter start-up (about 50 ms under gVisor) on every run. Each execution runs
# under the sandbox's memory and process limits (hard rlimits, see Limits), and a failed execution's
# stderr ends with a line naming the limit it ran into.
#
# Frame: type (1 byte ASCII), id (uint32 LE), length (uint32 LE), payload.
# Host -> runner: X exec {json lang, code, stdin_eof}, I stdin bytes, D stdin EOF, K kill,
#                 S sync filesystem (payload "quiesce": also stop reading executions and flush every
#                 frame before answering, so a checkpoint never cuts a frame in half), U resume
#                 reading after a quiesce, P ping.
# Runner -> host: R ready, B begun {pid}, F failed to start (text), O stdout bytes, E stderr bytes,
#                 Z exited (int32 LE exit code, negative = signal), Y synced, p pong.
import errno
import fcntl
import json
import os
import selectors
import signal
import struct
import sys

HEADER = struct.Struct("<cII")
READ_CHUNK = 32 * 1024           # largest output frame; keeps client frames far below 64 KiB
OUT_HIGH_WATER = 256 * 1024      # stop reading executions while this much output waits for the host
DRAIN_AFTER_EXIT = 0.2           # seconds to wait for pipes held open by an exited program's children
SPARE_DELAY = 0.02               # fork the next spare this long after an execution started
EXEC_ENV = {
    "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    "HOME": "/root",
    "LANG": "C.UTF-8",
    "PYTHONDONTWRITEBYTECODE": "1",
}


class Limits:
    """The sandbox's resource limits (from the host, in SANDBOX_RUNNER_LIMITS; 0 = none). Memory and
    processes are applied to every execution as hard rlimits, which gVisor enforces and which code
    without capabilities cannot raise; the disk limit is the size of the writable layer's mount."""

    def __init__(self, raw):
        try:
            values = json.loads(raw) if raw else {}
        except ValueError:
            values = {}
        self.memory_mb = int(values.get("memory_mb") or 0)
        self.pids = int(values.get("pids") or 0)
        self.disk_mb = int(values.get("disk_mb") or 0)

    def apply(self):
        import resource
        if self.memory_mb > 0:
            size = self.memory_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_AS, (size, size))
        if self.pids > 0:
            resource.setrlimit(resource.RLIMIT_NPROC, (self.pids, self.pids))

    def exec_env(self):
        env = dict(EXEC_ENV)
        if self.memory_mb > 0:
            # glibc reserves 64 MiB of address space per thread arena; a few threads would otherwise
            # spend an address-space limit without using the memory.
            env["MALLOC_ARENA_MAX"] = "2"
        return env


LIMITS = Limits(os.environ.pop("SANDBOX_RUNNER_LIMITS", ""))

# What programs print when a limit refuses them; seeing one lets the runner say which limit it was.
MEMORY_MARKERS = (b"MemoryError", b"Cannot allocate memory", b"cannot allocate", b"out of memory", b"bad_alloc")
PIDS_MARKERS = (b"Resource temporarily unavailable", b"can't start new thread", b"BlockingIOError")
DISK_MARKERS = (b"No space left on device", b"Disk quota exceeded")


def limit_notes(ex):
    """Lines for the end of a failed execution's stderr naming the limit it ran into, if any."""
    notes = []
    if LIMITS.memory_mb > 0 and "memory" in ex.hit:
        notes.append("memory limit reached: each process may use at most %d MB (SANDBOX_MEMORY_LIMIT_MB)"
                     % LIMITS.memory_mb)
    if LIMITS.pids > 0 and "pids" in ex.hit:
        notes.append("process limit reached: at most %d processes and threads may run in the sandbox"
                     " (SANDBOX_PIDS_LIMIT)" % LIMITS.pids)
    if LIMITS.disk_mb > 0 and ("disk" in ex.hit or filesystem_full()):
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


def set_nonblocking(fd):
    fcntl.fcntl(fd, fcntl.F_SETFL, fcntl.fcntl(fd, fcntl.F_GETFL) | os.O_NONBLOCK)


class Execution:
    def __init__(self, exec_id, pid, stdin_fd, out_fd, err_fd):
        self.id = exec_id
        self.pid = pid
        self.stdin_fd = stdin_fd
        self.stdin_buf = bytearray()
        self.stdin_eof = False
        self.pipes = {out_fd: b"O", err_fd: b"E"}
        self.exit_code = None
        self.exited_at = None
        self.hit = set()                # limits its stderr says it ran into: "memory", "pids", "disk"

    def watch_stderr(self, data):
        for name, markers in (("memory", MEMORY_MARKERS), ("pids", PIDS_MARKERS), ("disk", DISK_MARKERS)):
            if name not in self.hit and any(m in data for m in markers):
                self.hit.add(name)


class Runner:
    def __init__(self):
        self.sel = selectors.DefaultSelector()
        self.out = bytearray()          # frames waiting for the host to read them
        self.inbuf = bytearray()
        self.execs = {}                 # id -> Execution
        self.by_pid = {}
        self.reading_paused = False
        self.quiesced = False
        self.spare = None
        self.spare_due = 0.0
        self.loop = __import__("time").monotonic
        wake_r, wake_w = os.pipe()
        set_nonblocking(wake_r)
        set_nonblocking(wake_w)
        signal.set_wakeup_fd(wake_w)
        signal.signal(signal.SIGCHLD, lambda *_: None)
        for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_IGN)
        self.wake_r = wake_r
        set_nonblocking(0)
        set_nonblocking(1)
        self.sel.register(0, selectors.EVENT_READ, "host")
        self.sel.register(wake_r, selectors.EVENT_READ, "signal")

    # --- output to the host -------------------------------------------------------------------
    def send(self, kind, exec_id, payload=b""):
        self.out += HEADER.pack(kind, exec_id, len(payload))
        self.out += payload

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
                    os._exit(0)             # host is gone: nothing left to serve
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

    # --- frames from the host -----------------------------------------------------------------
    def read_host(self):
        try:
            data = os.read(0, 256 * 1024)
        except BlockingIOError:
            return
        if not data:
            # The host closed our stdin. During a checkpoint the runner never sees this (the
            # process is frozen); otherwise the host is gone and the sandbox should end.
            os._exit(0)
        self.inbuf += data
        while len(self.inbuf) >= HEADER.size:
            kind, exec_id, length = HEADER.unpack_from(self.inbuf)
            if len(self.inbuf) < HEADER.size + length:
                break
            payload = bytes(self.inbuf[HEADER.size:HEADER.size + length])
            del self.inbuf[:HEADER.size + length]
            self.handle(kind, exec_id, payload)

    def handle(self, kind, exec_id, payload):
        if kind == b"X":
            self.start(exec_id, json.loads(payload))
        elif kind == b"I":
            ex = self.execs.get(exec_id)
            if ex and ex.stdin_fd is not None:
                ex.stdin_buf += payload
                self.pump_stdin(ex)
        elif kind == b"D":
            ex = self.execs.get(exec_id)
            if ex:
                ex.stdin_eof = True
                self.pump_stdin(ex)
        elif kind == b"K":
            ex = self.execs.get(exec_id)
            if ex and ex.exit_code is None:
                for target in (-ex.pid, ex.pid):
                    try:
                        os.kill(target, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
        elif kind == b"S":
            os.sync()
            if payload == b"quiesce":
                self.quiesced = True
                self.set_reading(False)
                self.send(b"Y", exec_id)
                self.flush_all()
            else:
                self.send(b"Y", exec_id)
        elif kind == b"U":
            self.quiesced = False
        elif kind == b"P":
            self.send(b"p", exec_id, payload)

    # --- executions ---------------------------------------------------------------------------
    def start(self, exec_id, req):
        # A spare child, forked ahead of time, is waiting for exactly this: hand it the request.
        spare = self.take_spare()
        if spare is None:
            try:
                spare = fork_spare()
            except OSError as e:
                self.send(b"F", exec_id, str(e).encode())
                return
        pid, in_w, out_r, err_r, ctl_w = spare
        request = json.dumps({"lang": req.get("lang"), "code": req.get("code", "")}).encode()
        try:
            write_all(ctl_w, struct.pack("<I", len(request)) + request)
        except OSError as e:
            self.send(b"F", exec_id, str(e).encode())
            for fd in (in_w, out_r, err_r):
                os.close(fd)
            return
        finally:
            os.close(ctl_w)
        ex = Execution(exec_id, pid, in_w, out_r, err_r)
        self.execs[exec_id] = ex
        self.by_pid[pid] = ex
        if not self.reading_paused:
            for fd in (out_r, err_r):
                self.sel.register(fd, selectors.EVENT_READ, ex)
        self.send(b"B", exec_id, json.dumps({"pid": pid}).encode())
        self.spare_due = self.loop() + SPARE_DELAY
        if req.get("stdin_eof"):
            ex.stdin_eof = True
            self.pump_stdin(ex)

    def take_spare(self):
        spare, self.spare = self.spare, None
        if spare is not None:
            try:
                done, _ = os.waitpid(spare[0], os.WNOHANG)
            except ChildProcessError:
                done = spare[0]
            if done:   # it died waiting (it never should): discard it
                for fd in spare[1:]:
                    os.close(fd)
                spare = None
        return spare

    def keep_spare(self):
        # Fork the next spare once the runner is otherwise idle, off the execution's critical path.
        if self.spare is None and not self.quiesced and self.loop() >= self.spare_due:
            try:
                self.spare = fork_spare()
            except OSError:
                self.spare_due = self.loop() + 1.0

    def pump_stdin(self, ex):
        if ex.stdin_fd is None:
            return
        while ex.stdin_buf:
            try:
                n = os.write(ex.stdin_fd, ex.stdin_buf)
            except BlockingIOError:
                break
            except OSError:                  # the program closed its stdin: drop what is left
                ex.stdin_buf.clear()
                break
            del ex.stdin_buf[:n]
        if ex.stdin_buf:
            self.watch_stdin(ex, True)
        else:
            self.watch_stdin(ex, False)
            if ex.stdin_eof:
                os.close(ex.stdin_fd)
                ex.stdin_fd = None

    def watch_stdin(self, ex, on):
        key = self.sel.get_map().get(ex.stdin_fd)
        if on and key is None:
            self.sel.register(ex.stdin_fd, selectors.EVENT_WRITE, ("stdin", ex))
        elif not on and key is not None:
            self.sel.unregister(ex.stdin_fd)

    def read_pipe(self, fd, ex):
        try:
            data = os.read(fd, READ_CHUNK)
        except BlockingIOError:
            return
        except OSError:
            data = b""
        if data:
            kind = ex.pipes[fd]
            if kind == b"E":
                ex.watch_stderr(data)
            self.send(kind, ex.id, data)
        else:
            self.close_pipe(ex, fd)

    def close_pipe(self, ex, fd):
        if fd in ex.pipes:
            if not self.reading_paused:
                self.sel.unregister(fd)
            os.close(fd)
            del ex.pipes[fd]
        self.maybe_finish(ex)

    def reap(self):
        while True:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            ex = self.by_pid.pop(pid, None)
            if ex is not None:
                ex.exit_code = os.waitstatus_to_exitcode(status)
                ex.exited_at = self.loop()
                self.maybe_finish(ex)

    def maybe_finish(self, ex):
        if ex.exit_code is None or ex.pipes or ex.id not in self.execs:
            return
        if ex.stdin_fd is not None:
            self.watch_stdin(ex, False)
            os.close(ex.stdin_fd)
            ex.stdin_fd = None
        del self.execs[ex.id]
        if ex.exit_code != 0:
            notes = limit_notes(ex)
            if notes:
                self.send(b"E", ex.id, notes)
        self.send(b"Z", ex.id, struct.pack("<i", ex.exit_code))

    def abandon_stale_pipes(self):
        # A program that exited but left background children holding its stdout would otherwise
        # keep its execution open forever; after a short drain we close those pipes.
        now = self.loop()
        for ex in list(self.execs.values()):
            if ex.exit_code is not None and ex.pipes and now - ex.exited_at > DRAIN_AFTER_EXIT:
                for fd in list(ex.pipes):
                    self.close_pipe(ex, fd)

    def set_reading(self, on):
        # Backpressure: when the host is slow, stop reading executions; their pipes fill and the
        # programs block in write() instead of our memory growing.
        if on == (not self.reading_paused):
            return
        self.reading_paused = not on
        for ex in self.execs.values():
            for fd in ex.pipes:
                if on:
                    self.sel.register(fd, selectors.EVENT_READ, ex)
                else:
                    self.sel.unregister(fd)

    def run(self):
        self.send(b"R", 0, json.dumps({"version": 1}).encode())
        while True:
            self.flush()
            self.set_reading(not self.quiesced and len(self.out) < OUT_HIGH_WATER)
            if self.out:
                if self.sel.get_map().get(1) is None:
                    self.sel.register(1, selectors.EVENT_WRITE, "out")
            elif self.sel.get_map().get(1) is not None:
                self.sel.unregister(1)
            waiting = any(ex.exit_code is not None and ex.pipes for ex in self.execs.values())
            timeout = DRAIN_AFTER_EXIT / 2 if waiting else None
            if self.spare is None and not self.quiesced:
                until_spare = max(0.0, self.spare_due - self.loop())
                timeout = until_spare if timeout is None else min(timeout, until_spare)
            for key, _ in self.sel.select(timeout):
                tag = key.data
                if tag == "host":
                    self.read_host()
                elif tag == "signal":
                    try:
                        os.read(self.wake_r, 4096)
                    except BlockingIOError:
                        pass
                    self.reap()
                elif tag == "out":
                    pass
                elif isinstance(tag, tuple):
                    self.pump_stdin(tag[1])
                elif key.fd in tag.pipes:
                    self.read_pipe(key.fd, tag)
            self.reap()
            if waiting:
                self.abandon_stale_pipes()
            self.keep_spare()


def write_all(fd, data):
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def fork_spare():
    """Forks a child that waits, stdio already in place, for the request it will run. Returns
    (pid, stdin write end, stdout read end, stderr read end, request pipe write end)."""
    in_r, in_w = os.pipe()
    out_r, out_w = os.pipe()
    err_r, err_w = os.pipe()
    ctl_r, ctl_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        spare_child(in_r, out_w, err_w, ctl_r)   # never returns
    for fd in (in_r, out_w, err_w, ctl_r):
        os.close(fd)
    for fd in (in_w, out_r, err_r):
        set_nonblocking(fd)
    return pid, in_w, out_r, err_r, ctl_w


def read_exactly(fd, n):
    buf = bytearray()
    while len(buf) < n:
        chunk = os.read(fd, n - len(buf))
        if not chunk:
            os._exit(0)   # the runner is gone, or this spare was never needed
        buf += chunk
    return bytes(buf)


def spare_child(in_r, out_w, err_w, ctl_r):
    try:
        os.setsid()
        os.dup2(in_r, 0)
        os.dup2(out_w, 1)
        os.dup2(err_w, 2)
        os.dup2(ctl_r, 3)
        os.closerange(4, 65536)
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        signal.set_wakeup_fd(-1)
        os.chdir("/")
        LIMITS.apply()
        (length,) = struct.unpack("<I", read_exactly(3, 4))
        req = json.loads(read_exactly(3, length))
        lang, code = req.get("lang"), req.get("code", "")
        if lang == "bash":
            script = os.memfd_create("main.sh", 0)
            write_all(script, code.encode("utf-8"))
            os.lseek(script, 0, os.SEEK_SET)
            os.dup2(script, 3)
            os.close(script)
            os.execve("/bin/bash", ["bash", "/proc/self/fd/3"], LIMITS.exec_env())
        os.close(3)
        run_python(code)
    except BaseException as e:  # noqa: BLE001 - report anything, then leave the fork for good
        try:
            os.write(2, ("runner: %s\n" % e).encode())
        finally:
            os._exit(127)


def run_python(code):
    # A forked interpreter behaves like `python3 /main.py`: fresh __main__, line-buffered stdout
    # (a buffered writer finishes partial pipe writes, which `-u` would silently drop under
    # gVisor), and the program's own exit status.
    import io
    import linecache
    import types

    os.environ.clear()
    os.environ.update(LIMITS.exec_env())
    sys.stdin = io.TextIOWrapper(io.BufferedReader(io.FileIO(0, "r", closefd=False)), encoding="utf-8")
    sys.stdout = io.TextIOWrapper(io.BufferedWriter(io.FileIO(1, "w", closefd=False)),
                                  encoding="utf-8", line_buffering=True)
    sys.stderr = io.TextIOWrapper(io.BufferedWriter(io.FileIO(2, "w", closefd=False)),
                                  encoding="utf-8", line_buffering=True, errors="backslashreplace")
    sys.__stdin__, sys.__stdout__, sys.__stderr__ = sys.stdin, sys.stdout, sys.stderr
    filename = "/main.py"
    sys.argv = [filename]
    sys.path[0] = "/"
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
        import threading
        threading._shutdown()
        import atexit
        atexit._run_exitfuncs()
        sys.stdout.flush()
        sys.stderr.flush()
    except BaseException:  # noqa: BLE001
        pass
    os._exit(status & 0xFF)


if __name__ == "__main__":
    Runner().run()
