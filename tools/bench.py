#!/usr/bin/env python3
"""Benchmark runner: runs every suite of benchmarks/suites/*.json, each config
against its reference, and writes a table, a markdown report and an SVG chart.

  bench.py [--build DIR] [--suites a,b] [--seconds N] [--clients N]
           [--suites-dir DIR] [--out DIR] [--list]

The suite format is documented in benchmarks/suites/README.md. Every program
run is bounded (client: seconds + 30 s; server: SIGINT, 3 s, SIGKILL), so a
crashed or hung program becomes an error row and never stalls the runner.
Python 3 standard library only.
"""

import argparse
import datetime
import glob
import html
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SERVER_READY_TIMEOUT = 15.0
SERVER_STOP_GRACE = 3.0
UDP_SETTLE = 0.5
CLIENT_EXTRA_TIME = 30.0

SIZE_UNITS = {"b": 1, "byte": 1, "bytes": 1, "kib": 1 << 10, "mib": 1 << 20,
              "gib": 1 << 30, "tib": 1 << 40, "kb": 1 << 10, "mb": 1 << 20,
              "gb": 1 << 30}
TIME_UNITS = {"ns": 1, "mcs": 1e3, "us": 1e3, "\u00b5s": 1e3, "ms": 1e6,
              "s": 1e9, "sec": 1e9, "m": 60e9, "min": 60e9}

NUM = r"([0-9][0-9,]*(?:\.[0-9]+)?)"
PATTERNS = {
    "errors": re.compile(r"^\s*Errors:\s*" + NUM, re.M),
    "total_time": re.compile(r"^\s*Total time:\s*" + NUM + r"\s*(\S+)", re.M),
    "total_messages": re.compile(r"^\s*Total messages:\s*" + NUM, re.M),
    "mib_s": re.compile(r"^\s*Data throughput:\s*" + NUM + r"\s*(\S+?)/s", re.M),
    "msg_s": re.compile(r"^\s*Message throughput:\s*" + NUM + r"\s*msg/s", re.M),
    "latency": re.compile(r"^\s*Message latency:\s*" + NUM + r"\s*(\S+)", re.M),
    "p50": re.compile(r"^\s*Latency p50:\s*" + NUM + r"\s*(\S+)", re.M),
    "p99": re.compile(r"^\s*Latency p99:\s*" + NUM + r"\s*(\S+)", re.M),
    "max": re.compile(r"^\s*Latency max:\s*" + NUM + r"\s*(\S+)", re.M),
}


def num(s):
    return float(s.replace(",", ""))


def parse_report(text):
    """Client report lines -> dict of numbers (missing lines are absent)."""
    out = {}
    for key, pat in PATTERNS.items():
        m = None
        for m in pat.finditer(text):
            pass
        if not m:
            continue
        v = num(m.group(1))
        if key == "mib_s":
            unit = SIZE_UNITS.get(m.group(2).lower())
            if unit is None:
                continue
            v = v * unit / (1 << 20)
        elif key in ("latency", "p50", "p99", "max", "total_time"):
            unit = TIME_UNITS.get(m.group(2).lower())
            if unit is None:
                continue
            v = v * unit
            key = key + "_ns" if key != "total_time" else "total_time_s"
            if key == "total_time_s":
                v /= 1e9
        out[key] = v
    return out


# --- processes ---------------------------------------------------------------

def find_programs(build):
    """Basename -> path of every executable file in the build dir."""
    progs = {}
    skip = {"meson-private", "meson-logs", "meson-info", "deps", "test-logs",
            "certs", ".git"}
    for d, dirs, files in os.walk(build):
        dirs[:] = sorted(x for x in dirs if x not in skip and not x.endswith(".p"))
        for f in sorted(files):
            p = os.path.join(d, f)
            if os.access(p, os.X_OK) and os.path.isfile(p) and not f.endswith((".so", ".a")):
                progs.setdefault(f, p)
    return progs


def resolve(cmd, progs):
    """First word: build-dir program by name, else an absolute path or PATH."""
    name = cmd[0]
    if name in progs:
        return [progs[name]] + cmd[1:]
    if os.path.isabs(name) and os.access(name, os.X_OK):
        return cmd
    w = shutil.which(name)
    if w:
        return [w] + cmd[1:]
    raise LookupError("program '%s' not found in the build dir or PATH" % name)


def substitute(args, values):
    out = []
    for a in args:
        a = str(a)
        for k, v in values.items():
            a = a.replace("{%s}" % k, str(v))
        out.append(a)
    return out


def start(cmd, log_path):
    log = open(log_path, "wb")
    log.write(("$ " + " ".join(cmd) + "\n").encode())
    log.flush()
    try:
        return subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    finally:
        log.close()


def signal_group(proc, sig):
    try:
        os.killpg(proc.pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def stop(proc, grace=SERVER_STOP_GRACE):
    """SIGINT, wait `grace`, SIGKILL; returns the exit code."""
    if proc.poll() is None:
        signal_group(proc, signal.SIGINT)
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass
    # Whatever the program left behind in its group goes too.
    signal_group(proc, signal.SIGKILL)
    try:
        return proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        return None


def port_accepts(port, host="127.0.0.1"):
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for_port(proc, port, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return "server exited with %s before accepting" % rc_text(proc.returncode)
        if port_accepts(port):
            return None
        time.sleep(0.05)
    return "server did not accept on port %d within %.0f s" % (port, timeout)


def rc_text(rc):
    if rc is None:
        return "no exit"
    if rc < 0:
        try:
            return signal.Signals(-rc).name
        except ValueError:
            return "signal %d" % -rc
    return "code %d" % rc


def slug(s):
    return re.sub(r"[^A-Za-z0-9_.-]+", "_", s).strip("_")[:60] or "x"


def run_pair(spec, port, proto, wrap, values, progs, seconds, logbase):
    """Runs one (server?, client) pair; returns a result dict."""
    res = {"ok": False, "error": None, "logs": []}
    try:
        client_cmd = wrap + resolve(substitute(spec["client"], values), progs)
        server_cmd = None
        if spec.get("server"):
            server_cmd = wrap + resolve(substitute(spec["server"], values), progs)
    except LookupError as e:
        res["error"] = str(e)
        return res

    server = None
    try:
        if server_cmd:
            if proto != "udp" and port and port_accepts(port):
                res["error"] = "port %d already accepts before the server started" % port
                return res
            slog = logbase + "-server.log"
            res["logs"].append(slog)
            server = start(server_cmd, slog)
            if proto == "udp" or not port:
                time.sleep(UDP_SETTLE)
                if server.poll() is not None:
                    res["error"] = "server exited with %s at start" % rc_text(server.returncode)
                    return res
            else:
                err = wait_for_port(server, port, SERVER_READY_TIMEOUT)
                if err:
                    res["error"] = err
                    return res

        clog = logbase + "-client.log"
        res["logs"].append(clog)
        client = start(client_cmd, clog)
        limit = seconds + CLIENT_EXTRA_TIME
        try:
            crc = client.wait(timeout=limit)
        except subprocess.TimeoutExpired:
            res["error"] = "client hung: killed after %.0f s" % limit
            crc = None
        finally:
            # Also reaps whatever the client left running in its group.
            stop(client, grace=1.0)
        with open(clog, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        res.update(parse_report(text))
        if crc is not None and crc != 0:
            res["error"] = "client exited with %s" % rc_text(crc)
        elif crc == 0 and "msg_s" not in res:
            res["error"] = "client printed no 'Message throughput' line"
        if server is not None and server.poll() is not None and not res["error"]:
            res["error"] = "server died during the run (%s)" % rc_text(server.returncode)
        res["ok"] = res["error"] is None
        return res
    except OSError as e:
        res["error"] = "cannot start: %s" % e
        return res
    finally:
        if server is not None:
            src = stop(server)
            res["server_rc"] = src


# --- suites ------------------------------------------------------------------

def load_suites(suites_dir):
    suites = []
    for path in sorted(glob.glob(os.path.join(suites_dir, "*.json"))):
        with open(path) as f:
            try:
                doc = json.load(f)
            except ValueError as e:
                raise SystemExit("bench: %s: invalid JSON: %s" % (path, e))
        for s in doc.get("suites", []):
            s["_file"] = os.path.splitext(os.path.basename(path))[0]
            suites.append(s)
    return suites


def select(suites, wanted):
    if not wanted:
        return suites
    names = [w.strip() for w in wanted.split(",") if w.strip()]
    known = {s["suite"] for s in suites} | {s["_file"] for s in suites}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise SystemExit("bench: unknown suite(s): %s (known: %s)" % (
            ", ".join(unknown), ", ".join(sorted(known)) or "none"))
    return [s for s in suites if s["suite"] in names or s["_file"] in names]


def short_name(config_name):
    return config_name.split(":", 1)[0].strip()


# --- output ------------------------------------------------------------------

def fmt_int(v):
    return "-" if v is None else "{:,.0f}".format(v)


def fmt_f(v, digits=1):
    return "-" if v is None else "{:,.{}f}".format(v, digits)


def fmt_ns(v):
    if v is None:
        return "-"
    if v < 1e3:
        return "%.0f ns" % v
    if v < 1e6:
        return "%.1f us" % (v / 1e3)
    if v < 1e9:
        return "%.1f ms" % (v / 1e6)
    return "%.2f s" % (v / 1e9)


def table_rows(rows):
    head = ["suite", "config", "msg/s", "MiB/s", "p50", "p99", "errors",
            "reference msg/s", "ratio", "note"]
    body = []
    for r in rows:
        t, ref = r["troupe"], r.get("reference")
        ratio = None
        if ref and t.get("msg_s") and ref.get("msg_s") and t["ok"] and ref["ok"]:
            ratio = t["msg_s"] / ref["msg_s"]
        notes = []
        if t["error"]:
            notes.append("ERROR: " + t["error"])
        if ref and ref["error"]:
            notes.append("reference ERROR: " + ref["error"])
        # A server that ignores SIGINT does not shut down cleanly: worth seeing.
        for name, x in (("server", t), ("reference server", ref or {})):
            if x.get("server_rc") == -signal.SIGKILL:
                notes.append("%s needed SIGKILL" % name)
        body.append([
            r["suite"], r["config"], fmt_int(t.get("msg_s")), fmt_f(t.get("mib_s")),
            fmt_ns(t.get("p50_ns")), fmt_ns(t.get("p99_ns")),
            fmt_int(t.get("errors")),
            fmt_int(ref.get("msg_s")) if ref else "-",
            ("%.2fx" % ratio) if ratio is not None else "-",
            "; ".join(notes)])
    return head, body


def render_text(head, body):
    widths = [max(len(x) for x in col) for col in zip(head, *body)] if body else [len(h) for h in head]
    right = {2, 3, 4, 5, 6, 7, 8}
    lines = []
    for row in [head] + body:
        cells = [c.rjust(w) if i in right else c.ljust(w)
                 for i, (c, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
        if row is head:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def render_markdown(head, body):
    def esc(c):
        return c.replace("|", "\\|")
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join(["---", "---"] + ["---:"] * 7 + ["---"]) + "|"]
    for row in body:
        lines.append("| " + " | ".join(esc(c) for c in row) + " |")
    return "\n".join(lines)


def clip(s, n):
    return s if len(s) <= n else s[:n - 1] + "\u2026"


def render_svg(rows):
    """Horizontal bars, troupe vs reference per config. Each suite has its own
    scale: suites differ by orders of magnitude in msg/s."""
    width, label_w, bar_w, bar_h, gap = 1000, 300, 480, 14, 4
    colors = {"troupe": "#2b6cb0", "reference": "#a0aec0"}
    parts, y = [], 50
    by_suite = []
    for r in rows:
        if not by_suite or by_suite[-1][0] != r["suite"]:
            by_suite.append((r["suite"], []))
        by_suite[-1][1].append(r)
    for suite, srows in by_suite:
        vals = [x.get("msg_s") or 0 for r in srows
                for x in (r["troupe"], r.get("reference") or {})]
        top = max(vals) or 1.0
        parts.append('<text x="10" y="%d" class="suite">%s (msg/s, scale max %s)</text>'
                     % (y + 12, html.escape(suite), fmt_int(top)))
        y += 22
        for r in srows:
            parts.append('<text x="%d" y="%d" class="cfg" text-anchor="end">%s</text>'
                         % (label_w - 8, y + bar_h + 2, html.escape(clip(r["config"], 44))))
            for which in ("troupe", "reference"):
                x = r.get(which)
                if which == "reference" and not x:
                    continue
                v = x.get("msg_s") or 0
                w = bar_w * v / top
                parts.append('<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"/>'
                             % (label_w, y, w, bar_h, colors[which]))
                label = fmt_int(v) if x["ok"] else "error: " + clip(x["error"] or "", 60)
                ref = r.get("reference")
                if which == "troupe" and x["ok"] and ref and ref["ok"] and ref.get("msg_s"):
                    label += " (%.2fx)" % (v / ref["msg_s"])
                parts.append('<text x="%.1f" y="%d" class="val">%s %s</text>'
                             % (label_w + w + 4, y + bar_h - 3, which, html.escape(label)))
                y += bar_h + gap
            y += 8
        y += 10
    height = y + 10
    legend = ('<rect x="%d" y="14" width="12" height="12" fill="%s"/>'
              '<text x="%d" y="24" class="val">troupe</text>'
              '<rect x="%d" y="14" width="12" height="12" fill="%s"/>'
              '<text x="%d" y="24" class="val">reference</text>'
              % (label_w, colors["troupe"], label_w + 16,
                 label_w + 90, colors["reference"], label_w + 106))
    return "\n".join([
        '<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d">'
        % (width, height, width, height),
        '<style>text{font-family:sans-serif;font-size:12px;fill:#1a202c}'
        '.suite{font-weight:bold;font-size:14px}.val{font-size:11px}</style>',
        '<rect width="100%" height="100%" fill="white"/>',
        '<text x="10" y="24" class="suite">troupe vs reference</text>',
        legend] + parts + ["</svg>", ""])


def write_report(out, rows, meta):
    head, body = table_rows(rows)
    text = render_text(head, body)
    md = ["# troupe benchmark report", "",
          "- date (UTC): %s" % meta["date"],
          "- host: %s, %s CPUs, %s" % (meta["host"], meta["cpus"], meta["kernel"]),
          "- seconds per run: %s, clients placeholder: %s" % (meta["seconds"], meta["clients"]),
          "- build: %s" % meta["build"], "",
          render_markdown(head, body), "",
          "![chart](chart.svg)", "", "## Logs", ""]
    for r in rows:
        for which in ("troupe", "reference"):
            x = r.get(which)
            if x:
                md.append("- %s %s (%s): %s" % (r["suite"], short_name(r["config"]), which,
                                                ", ".join(os.path.relpath(p, out) for p in x["logs"]) or "-"))
    with open(os.path.join(out, "report.md"), "w") as f:
        f.write("\n".join(md) + "\n")
    with open(os.path.join(out, "chart.svg"), "w") as f:
        f.write(render_svg(rows))
    with open(os.path.join(out, "results.json"), "w") as f:
        json.dump({"meta": meta, "rows": rows}, f, indent=1)
    return text


def link_latest(out):
    parent = os.path.dirname(os.path.abspath(out))
    link = os.path.join(parent, "latest")
    tmp = link + ".tmp%d" % os.getpid()
    try:
        os.symlink(os.path.basename(os.path.abspath(out)), tmp)
        os.replace(tmp, link)
    except OSError as e:
        print("bench: could not update %s: %s" % (link, e), file=sys.stderr)


# --- main --------------------------------------------------------------------

def main():
    ap = argparse.ArgumentParser(description="Run troupe benchmark suites against their references.")
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--suites", default="", help="comma-separated suite names (default: all)")
    ap.add_argument("--suites-dir", default=os.path.join(ROOT, "benchmarks", "suites"))
    ap.add_argument("--seconds", type=float, default=5)
    ap.add_argument("--clients", type=int, default=100, help="value of {clients}")
    ap.add_argument("--out", default="")
    ap.add_argument("--list", action="store_true", help="list suites and configs, run nothing")
    a = ap.parse_args()

    suites = select(load_suites(a.suites_dir), a.suites)
    if a.list:
        if not suites:
            print("(no suites in %s)" % a.suites_dir)
        for s in suites:
            print("%s (port %s, %s)" % (s["suite"], s.get("port", "-"), s["_file"]))
            for c in s.get("configs", []):
                print("  %s%s" % (c["name"], "  [+ reference]" if c.get("reference") else ""))
        return 0
    if not suites:
        print("bench: no suites in %s" % a.suites_dir)
        return 0

    secs = int(a.seconds) if float(a.seconds).is_integer() else a.seconds
    out = a.out or os.path.join(ROOT, "results",
                                datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ"))
    logdir = os.path.join(out, "logs")
    os.makedirs(logdir, exist_ok=True)
    progs = find_programs(a.build)

    plan = []
    for s in suites:
        for c in s.get("configs", []):
            plan.append((s, c, "troupe", c))
            if c.get("reference"):
                plan.append((s, c, "reference", c["reference"]))

    rows, by_cfg = [], {}
    meta = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
            "host": platform.node(), "cpus": os.cpu_count(), "kernel": platform.release(),
            "seconds": secs, "clients": a.clients, "build": os.path.abspath(a.build)}
    interrupted = False
    try:
        for i, (s, c, which, spec) in enumerate(plan, 1):
            label = "%s %s: %s" % (s["suite"], short_name(c["name"]), which)
            if which == "reference" and spec.get("name"):
                label += " (%s)" % spec["name"]
            print("[%d/%d] %s ..." % (i, len(plan), label), flush=True)
            port = spec.get("port", c.get("port", s.get("port")))
            proto = spec.get("proto", c.get("proto", s.get("proto", "tcp")))
            wrap = list(spec.get("wrap", c.get("wrap", s.get("wrap", []))))
            values = {"port": port, "seconds": secs, "clients": a.clients}
            logbase = os.path.join(logdir, "%s-%s-%s" % (slug(s["suite"]), slug(short_name(c["name"])), which))
            t0 = time.monotonic()
            res = run_pair(spec, port, proto, wrap, values, progs, a.seconds, logbase)
            res["seconds"] = round(time.monotonic() - t0, 1)
            key = (s["suite"], c["name"])
            if key not in by_cfg:
                by_cfg[key] = {"suite": s["suite"], "config": c["name"]}
                rows.append(by_cfg[key])
            by_cfg[key][which] = res
            if res["ok"]:
                print("      %s msg/s, %s MiB/s%s" % (
                    fmt_int(res.get("msg_s")), fmt_f(res.get("mib_s")),
                    (", p50 %s, p99 %s" % (fmt_ns(res.get("p50_ns")), fmt_ns(res.get("p99_ns"))))
                    if "p50_ns" in res else ""), flush=True)
            else:
                print("      ERROR: %s" % res["error"], flush=True)
    except KeyboardInterrupt:
        interrupted = True
        print("\nbench: interrupted; writing a partial report", file=sys.stderr)

    for r in rows:
        r.setdefault("troupe", {"ok": False, "error": "not run", "logs": []})
    text = write_report(out, rows, meta)
    link_latest(out)
    print()
    print(text)
    print()
    print("report: %s" % os.path.relpath(os.path.join(out, "report.md")))
    print("chart:  %s" % os.path.relpath(os.path.join(out, "chart.svg")))
    failed = any(not x["ok"] for r in rows for x in (r["troupe"], r.get("reference")) if x)
    return 130 if interrupted else (1 if failed else 0)


if __name__ == "__main__":
    sys.exit(main())
