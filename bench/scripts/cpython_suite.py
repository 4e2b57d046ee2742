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

# Differences that come from a deliberate policy choice: (module, test id
# prefix) -> reason. A test id is "test.test_os.ChownFileTests.test_x".
DELIBERATE = {
    # The sandbox's user namespace maps one uid and one gid, its own:
    # chown to any other id is EINVAL there (outside, EPERM).
    ("os", "test.test_os.ChownFileTests"): "the user namespace maps only the sandbox's own uid and gid",
    # memfd_create is off unless isolation.allow_syscalls lists memfd
    # (anonymous files are executable and outside the tmpfs bounds).
    ("os", "test.test_os.MemfdCreateTests"): "memfd_create is off unless isolation.allow_syscalls: [memfd]",
    # setpriority and the sched_set* calls only on the caller by pid 0:
    # the filter cannot know a pid, and the sandbox's init shares the
    # script's uid, so any other "who" is refused (recorded, not a
    # violation).
    ("os", "test.test_os.ProgramPriorityTests"): "setpriority only with who 0 (the init shares the script's uid)",
    ("shutil", "test.test_shutil.TestMisc.test_chown"): "no host accounts in the sandbox (one user, its group)",
    # Resource limits are the policy's: the script may lower them, never
    # raise them past the policy's hard limit.
    ("resource", "test.test_resource.ResourceTest.test_fsize"): "rlimits are set by the policy (limits.file_size is the hard limit)",
    # Every place the script can write (/work, /tmp, /dev/shm) is mounted
    # noexec (write xor execute): a file made executable there is not
    # executable, so shutil.which does not find it.
    ("shutil", "test.test_shutil.TestWhich"): "writable places are noexec (write xor execute)",
    # A script written to /tmp and run: /tmp is noexec.
    ("subprocess", "test.test_subprocess.POSIXProcessTestCase.test_args_string"): "writable places are noexec (write xor execute)",
    ("subprocess", "test.test_subprocess.POSIXProcessTestCase.test_call_string"): "writable places are noexec (write xor execute)",
    # `sleep` through the shell: not a listed tool, so no timeout happens.
    ("subprocess", "test.test_subprocess.RunFuncTestCase.test_run_with_shell_timeout_and_capture_output"): "no sleep: only the programs runtime.tools lists (sh, cat) exist",
    # Only the programs runtime.tools lists exist in the sandbox.
    ("shutil", "test.test_shutil.TestGetTerminalSize.test_stty_match"): "no stty: only the programs runtime.tools lists (sh, cat) exist",
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
    """Returns (result, {test id: outcome}, {test id: first error line})."""
    m = RESULT.findall(out)
    result = m[-1] if m else "NO RESULT"
    cases = {}
    for name, full, outcome in CASE.findall(out):
        cases[full] = outcome.split(" ")[0]
    errors = {}
    for block in re.split(r"^={50,}$", out, flags=re.M)[1:]:
        head = re.match(r"\n(FAIL|ERROR): \w+ \(([\w.]+)\)", block)
        if not head:
            continue
        lines = [l for l in block.splitlines() if l.strip()]
        last = next((l for l in reversed(lines) if re.match(r"^\w+(\.\w+)*(Error|Exception|Failure|Exit)\b", l)), lines[-1] if lines else "")
        errors.setdefault(head.group(2), last.strip()[:160])
    return result, cases, errors


def run_bare(module, timeout):
    with tempfile.TemporaryDirectory(prefix="cpython-suite-") as d:
        t = time.time()
        try:
            p = subprocess.run([PYTHON, "-E", "-s", "-m", "test", "-v", "test_" + module],
                               cwd=d, capture_output=True, text=True, timeout=timeout,
                               env={"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": d})
            out = p.stdout + p.stderr
        except subprocess.TimeoutExpired as e:
            out = (e.stdout or b"").decode(errors="replace") + "\nTests result: TIMEOUT\n"
        return out, time.time() - t


def run_inside(cordon, module, workdir, timeout):
    t = time.time()
    try:
        p = subprocess.run([cordon, "run", "--json", "--policy", os.path.join(workdir, "policy.yaml"),
                            os.path.join(workdir, "regrtest.py"), "--", "-v", "test_" + module],
                           cwd=workdir, capture_output=True, text=True, timeout=timeout)
        res = json.loads(p.stdout)
        out = res.get("stdout", "") + res.get("stderr", "")
        status = res.get("status", "?")
        events = [e for e in res.get("events", []) if e.get("type") == "syscall-refused"]
    except subprocess.TimeoutExpired:
        return "Tests result: TIMEOUT", "timeout", [], time.time() - t
    except (ValueError, KeyError) as e:
        return "Tests result: NO RESULT (cordon: %s)" % e, "?", [], time.time() - t
    return out, status, events, time.time() - t


def deliberate(module, case):
    for (mod, prefix), why in DELIBERATE.items():
        if mod == module and case.startswith(prefix):
            return why
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--cordon", default=shutil.which("cordon") or "cordon")
    ap.add_argument("--modules", default=",".join(MODULES))
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--timeout", type=int, default=1200)
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
        rows, bad = [], 0
        print("%-28s %-10s %-10s %-18s %8s %8s  %s" % ("module", "bare", "inside", "status", "bare s", "in s", "differences"))
        for m in modules:
            bout, bsec = run_bare(m, args.timeout)
            iout, status, refusals, isec = run_inside(args.cordon, m, workdir, args.timeout)
            bres, bcases, _ = parse(bout)
            ires, icases, ierrs = parse(iout)
            diffs = []
            for case, outcome in sorted(icases.items()):
                if outcome in ("FAIL", "ERROR") and bcases.get(case) not in ("FAIL", "ERROR"):
                    why = deliberate(m, case)
                    diffs.append((case, why, ierrs.get(case, outcome)))
            undeliberate = [d for d in diffs if d[1] is None]
            ok_status = status in ("ok", "exit-nonzero")
            if ires != bres and not diffs:
                undeliberate.append(("(whole module)", None, "result %s inside, %s outside" % (ires, bres)))
            if undeliberate or not ok_status:
                bad += 1
            note = "; ".join("%s: %s" % (c.split(".")[-1], w or "NOT DELIBERATE: " + e) for c, w, e in diffs + [d for d in undeliberate if d[0] == "(whole module)"])
            if refusals:
                note += (" " if note else "") + "[refused: %s]" % ", ".join(sorted({e["detail"]["syscall"] + "/" + e["detail"].get("action", "?") for e in refusals}))
            print("%-28s %-10s %-10s %-18s %8.1f %8.1f  %s" % ("test_" + m, bres, ires, status, bsec, isec, note or "-"), flush=True)
        print("\n%d of %d modules differ for a reason not listed as deliberate (or ended with a bad status)" % (bad, len(modules)))
        return 1 if args.check and bad else 0
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
