#!/usr/bin/python3
"""CPython's own regression tests, inside `cordon run` and on the bare
interpreter, module by module, with the cause of every difference.

    cpython_suite.py [--cordon BIN] [--modules test_json,test_time] [--check]

Runs each module with `python3 -m test -v MODULE` twice: on the bare
/usr/bin/python3 (-E -s, in a fresh temp dir) and inside `cordon run` under
a generous policy (analysis off, limits that no test reaches,
runtime.tools: [sh, cat]). It prints one row per module: the result
outside and inside, the run's status, and for every test case that failed
inside but not outside, its name and either the deliberate policy choice
that explains it (DELIBERATE below) or the first line of its error. With
--check it exits 1 when a module differs for a reason not listed as
deliberate, or a run's status is not ok/exit-nonzero.

Needs Debian's libpython3.11-testsuite (the test package of the exact
interpreter version); bench/cpython-suite.sh installs it.
"""

import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

PYTHON = "/usr/bin/python3"

# The list issue 22 asks for, in a stable order.
MODULES = """json csv re datetime zoneinfo decimal statistics collections functools
pathlib os shutil tempfile glob io threading concurrent_futures
multiprocessing_forkserver asyncio subprocess signal time random hashlib
zlib gzip tarfile zipfile logging argparse urllib socket ssl select
selectors mmap resource locale sys platform getpass pwd grp uuid pty""".split()

# Differences that come from a deliberate policy choice. Each entry names
# the exact test cases (no prefixes: a new test of the same class that
# starts failing is a new difference) and the error they fail with inside
# (a regular expression matched against the last line of the traceback),
# so an unrelated failure of the same test is not hidden either.
REASONS = {
    "noexec": "the places the script can write (/work, /tmp, /dev/shm) are mounted noexec: write xor execute",
    "one-uid": "the user namespace maps one uid and one gid, the sandbox's own: chown to another id is EINVAL",
    "memfd": "memfd_create is off unless isolation.allow_syscalls lists memfd (anonymous files are executable and outside the tmpfs bounds)",
    "who-0": "setpriority only with who 0: the filter cannot tell pids apart, and the sandbox's init shares the script's uid",
    "rlimits": "rlimits are the policy's: the script may lower them, never raise them past the policy's hard limit, and not set RLIMIT_FSIZE at all (a lower one would forge file-size-limit)",
    "prlimit-self": "prlimit only on the caller itself (pid 0), so the script cannot reach the init or a sibling; the filter refuses any other pid, -1 included, before the kernel could say ESRCH",
    "no-sleep": "only the programs runtime.tools lists (sh, cat) exist: `sleep` in a shell command is not found, so the command ends at once",
}
NOEXEC, RLIMITS, NOSLEEP = "noexec", "rlimits", "no-sleep"


def cases(cls, *names):
    return [cls + "." + n for n in names]


DELIBERATE = [
    # (module, [test ids], error pattern, reason)
    # The user namespace maps one uid and one gid, the sandbox's own: chown
    # to any other id is EINVAL there (outside, as root, it succeeds).
    ("os", ["test.test_os.ChownFileTests.test_chown_without_permission"],
     r"^OSError: \[Errno 22\] Invalid argument",
     "one-uid"),
    # Anonymous files are executable and outside the tmpfs bounds.
    ("os", ["test.test_os.MemfdCreateTests.test_memfd_create"],
     r"^OSError: \[Errno 38\] Function not implemented",
     "memfd"),
    # The filter cannot know a pid, and the sandbox's init shares the
    # script's uid: setpriority with any other "who" than 0 is refused
    # (recorded, not a violation).
    ("os", ["test.test_os.ProgramPriorityTests.test_set_get_priority"],
     r"^PermissionError: \[Errno 1\] Operation not permitted",
     "who-0"),
    # A file made executable there is still not executable, so
    # shutil.which does not find it.
    ("shutil", [c for cls in ("test.test_shutil.TestWhich", "test.test_shutil.TestWhichBytes")
                for c in cases(cls, "test_absolute_cmd", "test_basic", "test_environ_path",
                               "test_environ_path_cwd", "test_environ_path_missing",
                               "test_relative_cmd", "test_relative_path")],
     r"^AssertionError: None != b?'", NOEXEC),
    # A script written to /tmp and run.
    ("subprocess", cases("test.test_subprocess.POSIXProcessTestCase", "test_args_string", "test_call_string"),
     r"^PermissionError: \[Errno 13\] Permission denied: '/tmp/", NOEXEC),
    # `sh -c "sleep 3"`: sh finds no sleep, exits at once, no timeout.
    ("subprocess", ["test.test_subprocess.RunFuncTestCase.test_run_with_shell_timeout_and_capture_output"],
     r"^AssertionError: TimeoutExpired not raised", NOSLEEP),
    # `sh -c "sleep 1; sleep 1"` is killed after a second: it ended at once
    # (sleep not found), so kill() finds no process. With sleep among the
    # tools the test passes inside (checked: three watchers, ok).
    ("asyncio", ["test.test_asyncio.test_subprocess.%s.test_kill_issue43884" % w
                 for w in ("SubprocessThreadedWatcherTests", "SubprocessMultiLoopWatcherTests",
                           "SubprocessSafeWatcherTests", "SubprocessFastWatcherTests",
                           "SubprocessPidfdWatcherTests")],
     r"^ProcessLookupError", NOSLEEP),
    # PROT_EXEC mapping of a file in the noexec /tmp.
    ("mmap", ["test.test_mmap.MmapTests.test_access_parameter"],
     r"^PermissionError: \[Errno 1\] Operation not permitted", NOEXEC),
    # RLIMIT_FSIZE's hard limit is limits.file_size, not RLIM_INFINITY
    # (the test also sets it back, which is refused).
    ("resource", ["test.test_resource.ResourceTest.test_fsize_ismax"],
     r"^AssertionError: -1 != \d+$", RLIMITS),
    # Raising RLIMIT_CPU's hard limit past the policy's cpu_time: the
    # sandbox has no CAP_SYS_RESOURCE in the host's namespace.
    ("resource", ["test.test_resource.ResourceTest.test_setrusage_refcount"],
     r"^ValueError: not allowed to raise maximum limit", RLIMITS),
    # prlimit only on the caller itself (pid 0): the filter refuses any
    # other pid, -1 included, before the kernel could say ESRCH.
    ("resource", ["test.test_resource.ResourceTest.test_prlimit"],
     r"^PermissionError: \[Errno 1\] Operation not permitted",
     "prlimit-self"),
]

# Regrtest options for one module, the same on both sides, each with its
# reason.
OPTIONS = {
    # This machine is a VM with /dev/vsock but no vsock loopback: the
    # client's connect to its own CID fails and the server's accept waits
    # forever (bare; inside there is no /dev/vsock and the class skips).
    "socket": ["-i", "ThreadedVSOCKSocketStreamTest"],
}

POLICY = """analysis:
  block: "off"
audit:
  enabled: false
runtime:
  interpreter: /usr/bin/python3
  tools: [sh, cat]
limits:
  wall_time: 20m
  cpu_time: 20m
  memory: 2GiB
  processes: 512
  file_size: 8GiB
  open_files: 4096
  output: 64MiB
  tmp: 1GiB
"""

RUNNER = """import runpy, sys
sys.argv = ["python -m test"] + sys.argv[1:]
runpy.run_module("test", run_name="__main__", alter_sys=True)
"""

CASE = re.compile(r"^(test\w*) \(([\w.]+)\)(?:\n[^\n]*?)? \.\.\. (ok|FAIL|ERROR|skipped.*|expected failure|unexpected success)$", re.M)
RESULT = re.compile(r"^Tests result: (\w+(?: \w+)*)", re.M)


def parse(out):
    """Returns (result, {test id: outcome}, {test id: last line of its
    error}, {test id: why it was skipped})."""
    m = RESULT.findall(out)
    result = m[-1] if m else "NO RESULT"
    cases, skips = {}, {}
    for name, full, outcome in CASE.findall(out):
        cases[full] = outcome.split(" ")[0]
        if outcome.startswith("skipped "):
            skips[full] = outcome[len("skipped "):]
    errors = {}
    for block in re.split(r"^={50,}$", out, flags=re.M)[1:]:
        head = re.match(r"\n(FAIL|ERROR): \w+ \(([\w.]+)\)", block)
        if not head:
            continue
        lines = [l for l in block.splitlines() if l.strip()]
        last = next((l for l in reversed(lines) if re.match(r"^\w+(\.\w+)*(Error|Exception|Failure|Exit)\b", l)), lines[-1] if lines else "")
        errors.setdefault(head.group(2), last.strip()[:160])
    return result, cases, errors, skips


def _subreaper():
    """Makes this process the reaper of its orphaned descendants, so a
    bare run's leftovers (a forkserver, a daemon started with setsid) come
    back to it instead of init and can be ended by pid."""
    import ctypes
    PR_SET_CHILD_SUBREAPER = 36
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        sys.exit("cpython-suite: prctl(PR_SET_CHILD_SUBREAPER): %s" % os.strerror(ctypes.get_errno()))


def _children():
    """This process's children: after a run, only what the run left."""
    me, kids = os.getpid(), []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % pid) as f:
                stat = f.read()
        except OSError:
            continue
        # The fields after the command's closing parenthesis: state, ppid.
        if int(stat[stat.rindex(")") + 2:].split()[1]) == me:
            kids.append(int(pid))
    return kids


def end_leftovers():
    """Ends what a run left behind: since this process is the subreaper
    of its descendants, every remaining child (its children come back here
    as it dies, and so on), by pid, and reaps them. Nothing else is ever
    signalled. Returns the names of those it ended."""
    ended = []
    for _ in range(100):
        kids = _children()
        if not kids:
            break
        for pid in kids:
            try:
                with open("/proc/%d/comm" % pid) as f:
                    name = f.read().strip()
            except OSError:
                name = "?"
            try:
                os.kill(pid, signal.SIGKILL)
                ended.append(name)
            except ProcessLookupError:
                pass
        for pid in kids:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
    return ended


def _bare_child():
    """In the bare run's child before exec. As root the tests would change
    the shared machine: test_time's test_monotonic_settime sets the host's
    clock an hour back (and then forward again), test_socket's
    test_sethostname renames the host. So the run gets a UTS namespace of
    its own (sethostname changes a copy, the test still runs) and loses
    CAP_SYS_TIME from its bounding set (clock_settime is EPERM and those
    tests skip, as they do inside). Unprivileged, both calls fail and
    change nothing: the tests skip anyway. And SIGINT goes back to its
    default, which a driver started in the background by a shell inherits
    ignored (Python then installs no KeyboardInterrupt handler, and the
    tests that send themselves SIGINT fail)."""
    import ctypes
    CLONE_NEWUTS, PR_CAPBSET_DROP, CAP_SYS_TIME = 0x04000000, 24, 25
    libc = ctypes.CDLL(None)
    libc.unshare(CLONE_NEWUTS)
    libc.prctl(PR_CAPBSET_DROP, CAP_SYS_TIME, 0, 0, 0)
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def run_bare(module, timeout):
    """Runs the module on the bare interpreter, in a session of its own
    (a test's signal to its group reaches nothing else), with the output in
    a file (a leftover holding a pipe would keep the run waiting)."""
    with tempfile.TemporaryDirectory(prefix="cpython-suite-") as d, \
            tempfile.TemporaryFile(mode="w+", errors="replace") as out:
        t = time.time()
        p = subprocess.Popen([PYTHON, "-E", "-s", "-m", "test", "-v"] + OPTIONS.get(module, []) + ["test_" + module],
                             cwd=d, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                             start_new_session=True, preexec_fn=_bare_child,
                             env={"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": d})
        try:
            p.wait(timeout)
            tail = ""
        except subprocess.TimeoutExpired:
            tail = "\nTests result: TIMEOUT\n"
        left = end_leftovers()
        sec = time.time() - t
        out.seek(0)
        return out.read() + tail, sec, left


def run_inside(cordon, module, workdir, timeout):
    t = time.time()
    try:
        # cordon ends everything in the sandbox (its own pid namespace).
        p = subprocess.run([cordon, "run", "--json", "--policy", os.path.join(workdir, "policy.yaml"),
                            os.path.join(workdir, "regrtest.py"), "--", "-v"] + OPTIONS.get(module, []) + ["test_" + module],
                           cwd=workdir, capture_output=True, text=True, timeout=timeout + 60)
        res = json.loads(p.stdout)
        out = res.get("stdout", "") + res.get("stderr", "")
        status = res.get("status", "?")
        events = [e for e in res.get("events", []) if e.get("type") == "syscall-refused"]
    except subprocess.TimeoutExpired:
        return "Tests result: TIMEOUT", "timeout", [], time.time() - t
    except (ValueError, KeyError) as e:
        return "Tests result: NO RESULT (cordon: %s)" % e, "?", [], time.time() - t
    return out, status, events, time.time() - t


def short(case):
    """Class.test of a test id."""
    return ".".join(case.split(".")[-2:])


def deliberate(module, case, error):
    """The reason a test that fails inside only fails, when it is a listed
    deliberate difference: the same module, the exact test id, and an
    error matching the listed one."""
    for mod, ids, pattern, why in DELIBERATE:
        if mod == module and case in ids and re.search(pattern, error or ""):
            return why
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cordon", default=shutil.which("cordon") or "cordon")
    ap.add_argument("--modules", default=",".join(MODULES))
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--timeout", type=int, default=1200)
    ap.add_argument("--save", metavar="DIR", help="keep each run's output in DIR/MODULE.bare and DIR/MODULE.inside")
    ap.add_argument("--markdown", metavar="FILE", help="also write the table as Markdown to FILE")
    ap.add_argument("--no-tools", action="store_true", help="leave runtime.tools out of the policy (for a cordon older than it)")
    args = ap.parse_args()
    if not os.path.isdir("/usr/lib/python3.11/test/libregrtest"):
        sys.exit("cpython-suite: CPython's test package is not installed (apt-get install libpython3.11-testsuite)")
    modules = [m.removeprefix("test_") for m in args.modules.split(",") if m]
    workdir = tempfile.mkdtemp(prefix="cpython-suite-", dir=os.getcwd())
    try:
        with open(os.path.join(workdir, "policy.yaml"), "w") as f:
            f.write(POLICY.replace("  tools: [sh, cat]\n", "") if args.no_tools else POLICY)
        with open(os.path.join(workdir, "regrtest.py"), "w") as f:
            f.write(RUNNER)
        _subreaper()
        rows, bad, used = [], 0, set()
        print("%-32s %-10s %-10s %-14s %7s %7s  %s" % ("module", "bare", "inside", "status", "bare s", "in s", "differences"))
        for m in modules:
            bout, bsec, bleft = run_bare(m, args.timeout)
            iout, status, refusals, isec = run_inside(args.cordon, m, workdir, args.timeout)
            ileft = end_leftovers()
            if args.save:
                os.makedirs(args.save, exist_ok=True)
                for side, out in (("bare", bout), ("inside", iout)):
                    with open(os.path.join(args.save, "test_%s.%s" % (m, side)), "w") as f:
                        f.write(out)
            bres, bcases, _, _ = parse(bout)
            ires, icases, ierrs, iskips = parse(iout)
            why, undeliberate = {}, []
            for case, outcome in sorted(icases.items()):
                if outcome in ("FAIL", "ERROR") and bcases.get(case) not in ("FAIL", "ERROR"):
                    reason = deliberate(m, case, ierrs.get(case))
                    if reason:
                        why.setdefault(reason, []).append(case)
                    else:
                        undeliberate.append("%s NOT DELIBERATE: %s" % (short(case), ierrs.get(case, outcome)))
            if ires != bres and ires != "SUCCESS" and not why and not undeliberate:
                undeliberate.append("NOT DELIBERATE: result %s inside, %s outside" % (ires, bres))
            if not icases and ires != "NO TESTS RAN":
                undeliberate.append("NOT DELIBERATE: no test case ran inside")
            ok_status = status in ("ok", "exit-nonzero")
            if undeliberate or not ok_status:
                bad += 1
            notes = undeliberate + ["deliberate %s: %s" % (reason, ", ".join(short(c) for c in cs[:3]) + (", +%d" % (len(cs) - 3) if len(cs) > 3 else ""))
                                    for reason, cs in why.items()]
            used.update(why)
            # Informational: tests skipped only inside, failing only
            # outside, listed deliberate differences that did not happen,
            # refusals recorded, processes a run left behind.
            skipped = {}
            for c, o in icases.items():
                if o == "skipped" and bcases.get(c) == "ok":
                    skipped[iskips[c]] = skipped.get(iskips[c], 0) + 1
            if skipped:
                notes.append("skipped only inside: " + ", ".join("%d %s" % (n, r) for r, n in sorted(skipped.items())))
            better = [c for c, o in icases.items() if o == "ok" and bcases.get(c) in ("FAIL", "ERROR")]
            if better:
                notes.append("%d fail only outside" % len(better))
            stale = [short(c) for mod, ids, _, _ in DELIBERATE if mod == m for c in ids
                     if icases.get(c) not in ("FAIL", "ERROR") and icases.get(c) != "skipped" and c.rsplit(".", 1)[0] in {k.rsplit(".", 1)[0] for k in icases}]
            if stale:
                notes.append("listed deliberate but passed: " + ", ".join(stale))
            if refusals:
                notes.append("refused: " + ", ".join(sorted({e["detail"]["syscall"] + "/" + e["detail"].get("action", "?") for e in refusals})))
            for side, left in (("bare", bleft), ("inside", ileft)):
                if left:
                    notes.append("the %s run left %s (ended)" % (side, ", ".join("%s x%d" % (n, left.count(n)) for n in sorted(set(left)))))
            row = ("test_" + m, bres, ires, status, bsec, isec, "; ".join(notes) or "-")
            rows.append(row)
            print("%-32s %-10s %-10s %-14s %7.1f %7.1f  %s" % row, flush=True)
        for tag in sorted(used):
            print("deliberate %s: %s" % (tag, REASONS[tag]))
        print("\n%d of %d modules differ for a reason not listed as deliberate (or ended with a bad status)" % (bad, len(modules)))
        if args.markdown:
            with open(args.markdown, "w") as f:
                f.write("| module | bare | inside | status | bare s | inside s | differences |\n| --- | --- | --- | --- | ---: | ---: | --- |\n")
                for r in rows:
                    f.write("| %s | %s | %s | %s | %.1f | %.1f | %s |\n" % (r[:6] + (r[6].replace("|", "\\|"),)))
        return 1 if args.check and bad else 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
