#!/usr/bin/env python3
"""Run the criterion test binaries of one meson build dir and sum up results.

`./troupe test` calls this once per phase (release, asan, tsan) and then once
with `total` to print the closing summary. Binaries are run directly rather
than through `meson test` so that each one gets its own log, a hard timeout
that kills its whole process group (criterion forks workers), and a count of
passed/failed/skipped tests instead of a single exit code.

  testsum.py run --build DIR --phase NAME --out FILE.json [--suite tsan]
                 [--filter PATTERN] [--jobs N] [--timeout-mult X]
                 [--preload LIB] [--norandom-retry]
  testsum.py record --phase NAME --out FILE.json --reason TEXT
  testsum.py targets --build DIR [--suite tsan] [--filter PATTERN]
  testsum.py total FILE.json...

Counting: criterion binaries get `--jobs=N --verbose --color=never` and are
counted from their closing "Synthesis" line plus their [SKIP] lines; Python
unittest scripts from "Ran N tests" / "OK|FAILED (...)"; anything else counts
as one test decided by its exit code. A timeout, or a non-zero exit without
a synthesis line, is one failure; a non-zero exit after all tests passed
(e.g. LeakSanitizer at exit) is one failure too.

Python 3 standard library only.
"""

import argparse
import fnmatch
import json
import os
import re
import signal
import subprocess
import sys
import time

SYNTHESIS = re.compile(
    r"Synthesis: Tested: (\d+) \| Passing: (\d+) \| Failing: (\d+) \| Crashing: (\d+)")
# Only printed with --verbose; criterion leaves skipped tests out of "Tested".
# Tests excluded by a criterion --filter are reported exactly like
# .disabled ones ("Test is disabled"), so with a filter those lines are ignored.
SKIP_LINE = re.compile(r"^\[SKIP\] .*$", re.M)
DISABLED = "Test is disabled"
SKIPPED_TOTAL = re.compile(r"^\[====\] Skipped: (\d+)", re.M)
# Python unittest scripts registered as tests (e.g. generator tests).
UNITTEST_RAN = re.compile(r"^Ran (\d+) tests? in ", re.M)
UNITTEST_END = re.compile(r"^(OK|FAILED)(?: \((.*)\))?\s*$", re.M)
SANITIZER_REPORTS = [
    ("ERROR: LeakSanitizer", "LeakSanitizer report"),
    ("ERROR: AddressSanitizer", "AddressSanitizer report"),
    ("WARNING: ThreadSanitizer", "ThreadSanitizer report"),
    ("runtime error:", "UBSan report"),
]
ANSI = re.compile(r"\x1b\[[0-9;]*m")
# TSan refuses to start when ASLR put a mapping where its shadow should go
# (kernels with large mmap_rnd_bits); such runs are retried without ASLR.
TSAN_MAPPING = "unexpected memory mapping"


def list_tests(build, suite, pattern):
    out = subprocess.run(["meson", "introspect", build, "--tests"],
                         check=True, capture_output=True, text=True).stdout
    tests = json.loads(out)
    picked = []
    for t in tests:
        suites = [s.split(":")[-1] for s in t.get("suite", [])]
        if suite and suite not in suites:
            continue
        if pattern and not name_matches(t["name"], pattern):
            continue
        picked.append(t)
    return picked


def name_matches(name, pattern):
    if any(c in pattern for c in "*?["):
        return fnmatch.fnmatchcase(name, pattern)
    return pattern in name


def is_criterion(path):
    """A criterion test binary (or the TSan stand-in runner, which prints the
    same synthesis line); other tests (scripts) get no criterion flags."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return False
    return data[:4] == b"\x7fELF" and (b"libcriterion" in data or b"Synthesis: Tested" in data)


def log_name(name, used):
    base = re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "test"
    cand, n = base, 1
    while cand in used:
        n += 1
        cand = "%s.%d" % (base, n)
    used.add(cand)
    return cand + ".log"


def run_once(cmd, env, cwd, timeout, log_path):
    """Returns (exit code or None on timeout, seconds)."""
    start = time.monotonic()
    with open(log_path, "wb") as log:
        log.write(("$ " + " ".join(cmd) + "\n").encode())
        log.flush()
        try:
            proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, env=env, cwd=cwd,
                                    start_new_session=True)
        except OSError as e:
            log.write(("cannot start: %s\n" % e).encode())
            return 127, time.monotonic() - start
        try:
            rc = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            kill_group(proc)
            log.write(("\n*** killed after %.0f s timeout\n" % timeout).encode())
            return None, time.monotonic() - start
        except BaseException:
            # Ctrl-C reaches only our process group, not the test's session.
            kill_group(proc, grace=0)
            raise
        # Criterion workers may outlive a crashed parent; don't leave them.
        kill_group(proc, grace=0)
    return rc, time.monotonic() - start


def kill_group(proc, grace=2.0):
    try:
        os.killpg(proc.pid, signal.SIGTERM if grace else signal.SIGKILL)
    except ProcessLookupError:
        return
    if grace:
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pass


def classify(rc, text, filtered=False):
    """Turns one binary's exit code and log into counts and a verdict."""
    m = None
    for m in SYNTHESIS.finditer(text):
        pass
    skipped = sum(1 for s in SKIP_LINE.findall(text)
                  if not (filtered and s.rstrip().endswith(DISABLED)))
    # The TSan stand-in runner (tests/support/tsan) prints a total instead.
    for sm in SKIPPED_TOTAL.finditer(text):
        skipped = max(skipped, int(sm.group(1)))
    if rc is None:
        return dict(passed=0, failed=1, skipped=0, status="TIMEOUT",
                    reason="timed out")
    if m is None:
        u = parse_unittest(text)
        if u is not None:
            ran, failed, skipped = u
            if rc != 0 and failed == 0:
                failed = 1
            passed = max(0, ran - failed - skipped)
            return dict(passed=passed, failed=failed, skipped=skipped,
                        status="FAIL" if failed else "PASS",
                        reason=("%d failing (exit %s)" % (failed, describe_rc(rc))) if failed else "")
        if rc == 0:
            # Not a criterion binary (or it printed nothing): exit code rules.
            return dict(passed=1, failed=0, skipped=0, status="PASS",
                        reason="no criterion synthesis, exit 0")
        return dict(passed=0, failed=1, skipped=0, status="CRASH",
                    reason="exit %s, no criterion synthesis" % describe_rc(rc))
    tested, passing, failing, crashing = (int(x) for x in m.groups())
    failed = max(failing, tested - passing)
    status, reason = "PASS", ""
    if failed:
        status = "FAIL"
        reason = "%d failing (%d crashing)" % (failed, crashing)
    elif rc != 0:
        # e.g. LeakSanitizer firing at a worker's exit after its test passed:
        # criterion reports the test as passed but exits non-zero.
        failed = 1
        passing = max(0, passing - 1)
        status = "FAIL"
        found = [name for sig, name in SANITIZER_REPORTS if sig in text]
        reason = "all tests passed but exit %s (%s)" % (
            describe_rc(rc), ", ".join(found) if found else "crash outside a test?")
    return dict(passed=passing, failed=failed, skipped=skipped, status=status,
                reason=reason)


def parse_unittest(text):
    """(ran, failed, skipped) from Python unittest's closing lines, or None."""
    ran = None
    for m in UNITTEST_RAN.finditer(text):
        ran = int(m.group(1))
    if ran is None:
        return None
    counts = {}
    for m in UNITTEST_END.finditer(text):
        counts = {}
        for item in (m.group(2) or "").split(","):
            k, _, v = item.strip().partition("=")
            if v.isdigit():
                counts[k] = int(v)
    failed = counts.get("failures", 0) + counts.get("errors", 0) + \
        counts.get("unexpected successes", 0)
    return ran, failed, counts.get("skipped", 0)


def describe_rc(rc):
    if rc < 0:
        try:
            return "signal %s" % signal.Signals(-rc).name
        except ValueError:
            return "signal %d" % -rc
    return str(rc)


def cmd_run(a):
    build = os.path.abspath(a.build)
    logdir = os.path.join(build, "test-logs")
    os.makedirs(logdir, exist_ok=True)
    tests = list_tests(build, a.suite, a.filter)
    norandom = []
    used = set()
    res = dict(phase=a.phase, build=a.build, binaries=0, passed=0, failed=0,
               skipped=0, seconds=0.0, failures=[])
    t0 = time.monotonic()
    width = max([len(t["name"]) for t in tests] + [10])
    if not tests:
        print("  (no tests%s)" % (" in suite '%s'" % a.suite if a.suite else ""))
    for i, t in enumerate(tests, 1):
        env = dict(os.environ)
        env.update(t.get("env") or {})
        if a.preload:
            env["LD_PRELOAD"] = (a.preload + " " + env.get("LD_PRELOAD", "")).strip()
        cmd = list(t["cmd"])
        if is_criterion(cmd[0]):
            cmd += ["--jobs=%d" % a.jobs, "--verbose", "--color=never"]
        cwd = t.get("workdir") or build
        timeout = max(1.0, float(t.get("timeout") or 30) * a.timeout_mult)
        log_path = os.path.join(logdir, log_name(t["name"], used))
        rc, secs = run_once(norandom + cmd, env, cwd, timeout, log_path)
        text = read_text(log_path)
        if a.norandom_retry and not norandom and TSAN_MAPPING in text:
            norandom = ["setarch", os.uname().machine, "-R"]
            print("  (TSan: %s; rerunning without ASLR from now on)" % TSAN_MAPPING)
            rc, secs = run_once(norandom + cmd, env, cwd, timeout, log_path)
            text = read_text(log_path)
        r = classify(rc, text, any(x.startswith("--filter") for x in cmd))
        res["binaries"] += 1
        for k in ("passed", "failed", "skipped"):
            res[k] += r[k]
        rel = os.path.relpath(log_path)
        if r["failed"]:
            res["failures"].append(dict(name=t["name"], reason=r["reason"], log=rel))
        line = "  [%*d/%d] %-7s %-*s %4d passed, %d failed, %d skipped  %6.1f s" % (
            len(str(len(tests))), i, len(tests), r["status"], width, t["name"],
            r["passed"], r["failed"], r["skipped"], secs)
        if r["failed"]:
            line += "  (%s; log: %s)" % (r["reason"], rel)
        print(line, flush=True)
    res["seconds"] = round(time.monotonic() - t0, 1)
    write_json(a.out, res)
    print("  %s: %d binaries, %d passed, %d failed, %d skipped in %.1f s" % (
        a.phase, res["binaries"], res["passed"], res["failed"], res["skipped"],
        res["seconds"]), flush=True)
    return 1 if res["failed"] else 0


def read_text(path):
    with open(path, "rb") as f:
        return ANSI.sub("", f.read().decode("utf-8", "replace"))


def write_json(path, obj):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path, "w") as f:
        json.dump(obj, f, indent=1)


def cmd_targets(a):
    """Ninja targets of the selected tests' executables, one per line, so a
    phase can build only what it runs."""
    build = os.path.abspath(a.build)
    seen = set()
    for t in list_tests(build, a.suite, a.filter):
        exe = os.path.abspath(t["cmd"][0])
        rel = os.path.relpath(exe, build)
        if not rel.startswith("..") and rel not in seen:
            seen.add(rel)
            print(rel)
    return 0


def cmd_record(a):
    """A phase that could not run its tests (e.g. its build failed)."""
    res = dict(phase=a.phase, build="", binaries=0, passed=0, failed=1,
               skipped=0, seconds=a.seconds,
               failures=[dict(name="(%s)" % a.phase, reason=a.reason, log=a.log or "")])
    write_json(a.out, res)
    return 1


def cmd_total(a):
    phases = []
    for p in a.files:
        try:
            with open(p) as f:
                phases.append(json.load(f))
        except (OSError, ValueError) as e:
            phases.append(dict(phase=os.path.basename(p), binaries=0, passed=0,
                               failed=1, skipped=0, seconds=0,
                               failures=[dict(name=p, reason="no result: %s" % e, log="")]))
    print()
    print("%-10s %8s %8s %8s %8s %9s" % ("phase", "binaries", "passed", "failed",
                                         "skipped", "time"))
    tot = dict(passed=0, failed=0, skipped=0)
    for ph in phases:
        print("%-10s %8d %8d %8d %8d %7.1f s" % (ph["phase"], ph["binaries"],
              ph["passed"], ph["failed"], ph["skipped"], ph["seconds"]))
        for k in tot:
            tot[k] += ph[k]
    fails = [(ph["phase"], f) for ph in phases for f in ph.get("failures", [])]
    if fails:
        print("\nfailures:")
        for phase, f in fails:
            print("  %s/%s: %s%s" % (phase, f["name"], f["reason"],
                                      ("  (log: %s)" % f["log"]) if f.get("log") else ""))
    print()
    print("%d passed, %d failed, %d skipped" % (tot["passed"], tot["failed"], tot["skipped"]))
    return 1 if tot["failed"] else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run")
    r.add_argument("--build", required=True)
    r.add_argument("--phase", required=True)
    r.add_argument("--out", required=True)
    r.add_argument("--suite", default="")
    r.add_argument("--filter", default="")
    r.add_argument("--jobs", type=int, default=2)
    r.add_argument("--timeout-mult", type=float, default=1.0)
    r.add_argument("--preload", default="")
    r.add_argument("--norandom-retry", action="store_true")
    c = sub.add_parser("record")
    c.add_argument("--phase", required=True)
    c.add_argument("--out", required=True)
    c.add_argument("--reason", required=True)
    c.add_argument("--log", default="")
    c.add_argument("--seconds", type=float, default=0.0)
    g = sub.add_parser("targets")
    g.add_argument("--build", required=True)
    g.add_argument("--suite", default="")
    g.add_argument("--filter", default="")
    t = sub.add_parser("total")
    t.add_argument("files", nargs="*")
    a = ap.parse_args()
    return {"run": cmd_run, "record": cmd_record, "targets": cmd_targets,
            "total": cmd_total}[a.cmd](a)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        # Die of SIGINT so that the calling script stops too.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
