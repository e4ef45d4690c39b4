#!/usr/bin/env python3
"""Benchmarks of the Cloudron-mode supervisor, each measured beside a baseline in the same run.

1. Steady-state RSS of the supervisor JVM, beside Debian's supervisord running the same three
   children (Synapse, nginx and a stand-in for MAS, which is not installable here).
2. Time from supervisor start to Synapse exec'd, beside Synapse's own start-to-healthy time on
   the same config, and beside a JVM with the same flags that only starts a child (the floor).
3. Time from an edit of matrix.yaml to the affected process (Synapse) exec'd again.

Prints figures; asserts nothing. Needs what scripts/run-local.sh sets up, and the packaged jar
(./mvnw -pl operator/standalone -am package -DskipTests). Usage: bench/cloudron_supervisor.py
"""
import glob
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The image runs the Quarkus application's jars (one artifact for both targets); the standalone
# module's jar is the same code on a shorter class path.
JAR = os.environ.get("BENCH_CLASSPATH",
                     os.path.join(REPO, "operator/app/target/quarkus-app/lib/main/*"))
VENV = os.environ.get("SYNAPSE_VENV", os.path.join(REPO, ".venv/synapse"))
PG = {k: os.environ.get("MXSTACK_PG_" + k, d) for k, d in
      [("HOST", "127.0.0.1"), ("PORT", "5432"), ("USER", "mxstack"), ("PASSWORD", "mxstack"),
       ("DATABASE", "mxstack_ci")]}
CLK_TCK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def psql(sql, db=None):
    env = dict(os.environ, PGPASSWORD=PG["PASSWORD"])
    subprocess.run(["psql", "-h", PG["HOST"], "-p", PG["PORT"], "-U", PG["USER"], "-d",
                    db or PG["DATABASE"], "-qc", sql], check=True, env=env,
                   stdout=subprocess.DEVNULL)


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def start_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        return int(f.read().rsplit(")", 1)[1].split()[19])


def http_ok(url):
    try:
        with urllib.request.urlopen(url, timeout=2) as r:
            return 200 <= r.status < 300
    except Exception:
        return False


def wait(predicate, timeout=180):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise SystemExit("timed out")


class Setup:
    def __init__(self):
        self.base = tempfile.mkdtemp(prefix="mxstack-bench-")
        os.chmod(self.base, 0o755)
        self.db = f"bench_{os.getpid()}"
        recreate_database(self.db)
        # A stand-in for MAS (not installable here): the same in both supervisors.
        mas = os.path.join(self.base, "mas")
        os.makedirs(os.path.join(mas, "share"))
        with open(os.path.join(mas, "mas-cli"), "w") as f:
            f.write('#!/bin/sh\ncase " $* " in *" server "*) exec sleep infinity;; esac\nexit 0\n')
        os.chmod(os.path.join(mas, "mas-cli"), 0o755)
        self.resident_archive_training = False
        self.ports = {"http": free_port(), "synapse": free_port(), "mas": free_port(),
                      "masint": free_port()}
        self.env = {
            "PATH": os.environ["PATH"], "CLOUDRON": "1",
            "CLOUDRON_APP_DOMAIN": "matrix.bench.test", "CLOUDRON_APP_ORIGIN": "https://matrix.bench.test",
            "CLOUDRON_POSTGRESQL_HOST": PG["HOST"], "CLOUDRON_POSTGRESQL_PORT": PG["PORT"],
            "CLOUDRON_POSTGRESQL_USERNAME": PG["USER"], "CLOUDRON_POSTGRESQL_PASSWORD": PG["PASSWORD"],
            "CLOUDRON_POSTGRESQL_DATABASE": self.db,
            "MXSTACK_DATA_DIR": os.path.join(self.base, "data"), "MXSTACK_RUN_DIR": os.path.join(self.base, "run"),
            "MXSTACK_HTTP_PORT": str(self.ports["http"]), "MXSTACK_SYNAPSE_PORT": str(self.ports["synapse"]),
            "MXSTACK_MAS_PORT": str(self.ports["mas"]), "MXSTACK_MAS_INTERNAL_PORT": str(self.ports["masint"]),
            "MXSTACK_SYNAPSE_PYTHON": os.path.join(VENV, "bin/python"), "MXSTACK_RUN_AS": "",
            "MAS_HOME": mas, "NGINX_BIN": shutil.which("nginx") or "/usr/sbin/nginx",
            "MALLOC_ARENA_MAX": "2",
        }

    def resident_archive(self):
        path = os.path.join(self.base, "supervisor.jsa")
        if self.resident_archive_training:
            return ["-XX:ArchiveClassesAtExit=" + path]
        return ["-XX:SharedArchiveFile=" + path] if os.path.exists(path) else []

    def supervisor_cmd(self):
        # As start.sh runs it: the resident on its two jars, the planning step on all of them.
        resident = os.path.join(self.base, "supervisor")
        if not os.path.isdir(resident):
            os.makedirs(resident)
            for jar in glob.glob(JAR):
                if os.path.basename(jar).startswith(("mxstack.mxstack-core-", "mxstack.mxstack-standalone-")):
                    os.symlink(jar, os.path.join(resident, os.path.basename(jar)))
        return ["java", "@" + os.path.join(REPO, "cloudron/jvm.options")] + self.resident_archive() + [
                "-Dmxstack.plan.classpath=" + JAR, "-cp", os.path.join(resident, "*"),
                "mxstack.standalone.cloudron.CloudronMain"]

    def status(self):
        try:
            with open(os.path.join(self.env["MXSTACK_RUN_DIR"], "status.json")) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def proc(self, name):
        s = self.status()
        if not s:
            return None
        for p in s["processes"]:
            if p["name"] == name:
                return p
        return None

    def cleanup(self):
        psql(f"DROP DATABASE IF EXISTS {self.db} WITH (FORCE)")
        shutil.rmtree(self.base, ignore_errors=True)


def run_supervisor(setup):
    log = open(os.path.join(setup.base, "supervisor.log"), "a")
    t0 = time.monotonic()
    p = subprocess.Popen(setup.supervisor_cmd(), env=setup.env, stdout=log, stderr=subprocess.STDOUT)
    return p, t0


def stop(p):
    p.send_signal(signal.SIGTERM)
    p.wait(timeout=20)


def ready(setup, *names):
    return all((setup.proc(n) or {}).get("state") == "READY" for n in names)


def bench_rss(setup, settle):
    p, _ = run_supervisor(setup)
    wait(lambda: ready(setup, "synapse", "router"))
    time.sleep(settle)
    ours = statistics.median(rss_kb(p.pid) for _ in range(5) if time.sleep(0.5) is None)
    children = [setup.proc(n)["pid"] for n in ("synapse", "mas", "router")]
    argv = {}
    for name, pid in zip(("synapse", "mas", "router"), children):
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv[name] = [a.decode() for a in f.read().split(b"\0") if a]
        with open(f"/proc/{pid}/environ", "rb") as f:
            argv[name + "_env"] = dict(a.decode().split("=", 1) for a in f.read().split(b"\0") if b"=" in a)
        argv[name + "_cwd"] = os.readlink(f"/proc/{pid}/cwd")
    stop(p)

    conf = os.path.join(setup.base, "supervisord.conf")
    with open(conf, "w") as f:
        f.write(f"[supervisord]\nnodaemon=true\nlogfile=/dev/null\nlogfile_maxbytes=0\npidfile={setup.base}/supervisord.pid\n")
        f.write(f"[unix_http_server]\nfile={setup.base}/supervisor.sock\n")
        for name in ("synapse", "mas", "router"):
            env = ",".join(f'{k}="{v}"' for k, v in argv[name + "_env"].items())
            f.write(f"[program:{name}]\ncommand={' '.join(argv[name])}\ndirectory={argv[name + '_cwd']}\n"
                    f"environment={env}\nautorestart=true\nstopasgroup=true\nkillasgroup=true\n"
                    "stdout_logfile=/dev/stdout\nstdout_logfile_maxbytes=0\nredirect_stderr=true\n")
    log = open(os.path.join(setup.base, "supervisord.log"), "w")
    sd = subprocess.Popen(["supervisord", "-c", conf], stdout=log, stderr=subprocess.STDOUT)
    wait(lambda: http_ok(f"http://127.0.0.1:{setup.ports['synapse']}/health"))
    time.sleep(settle)
    theirs = statistics.median(rss_kb(sd.pid) for _ in range(5) if time.sleep(0.5) is None)
    sd.send_signal(signal.SIGTERM)
    sd.wait(timeout=30)
    return ours, theirs


def recreate_database(db):
    psql(f"DROP DATABASE IF EXISTS {db} WITH (FORCE)")
    psql(f"CREATE DATABASE {db} ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0")


def bench_start(setup, runs, first_boot=False):
    """Supervisor start -> Synapse exec'd, beside Synapse alone to healthy on the same config.

    A first boot starts each run from an empty database and no secrets (Synapse alone then
    gets an empty database again); otherwise secrets and schema exist.
    """
    added, direct = [], []
    for _ in range(runs):
        if first_boot:
            recreate_database(setup.db)
            shutil.rmtree(setup.env["MXSTACK_DATA_DIR"], ignore_errors=True)
            shutil.rmtree(setup.env["MXSTACK_RUN_DIR"], ignore_errors=True)
        p, _ = run_supervisor(setup)
        sup_start = start_ticks(p.pid)
        pid = wait(lambda: (setup.proc("synapse") or {}).get("pid"))
        added.append((start_ticks(pid) - sup_start) / CLK_TCK)
        wait(lambda: ready(setup, "synapse", "router"))
        synapse_argv = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")[:-1]
        cwd = os.readlink(f"/proc/{pid}/cwd")
        stop(p)
        if first_boot:
            recreate_database(setup.db)
        t0 = time.monotonic()
        s = subprocess.Popen(synapse_argv, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait(lambda: http_ok(f"http://127.0.0.1:{setup.ports['synapse']}/health"), timeout=300)
        direct.append(time.monotonic() - t0)
        s.terminate()
        s.wait(timeout=20)
    return added, direct


def bench_floor(setup, runs):
    """A JVM with the supervisor's flags that only starts one child: start -> child exec'd.

    The part of the supervisor's start time that no work of its own can remove.
    """
    classes = os.path.join(setup.base, "floor")
    subprocess.run(["javac", "-d", classes, os.path.join(REPO, "bench/SpawnFloor.java")], check=True)
    times = []
    for _ in range(runs):
        p = subprocess.Popen(["java", "@" + os.path.join(REPO, "cloudron/jvm.options"), "-cp", classes,
                              "SpawnFloor", "sleep", "30"], stdout=subprocess.DEVNULL)
        child = wait(lambda: children(p.pid))
        times.append((start_ticks(child[0]) - start_ticks(p.pid)) / CLK_TCK)
        os.kill(child[0], signal.SIGTERM)
        p.wait(timeout=20)
    return times


def children(pid):
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as f:
            found += [int(c) for c in f.read().split()]
    return found


def bench_edit(setup, runs):
    p, _ = run_supervisor(setup)
    wait(lambda: ready(setup, "synapse", "router"))
    spec = os.path.join(setup.env["MXSTACK_DATA_DIR"], "matrix.yaml")
    original = open(spec).read()
    delays = []
    for i in range(runs):
        old = setup.proc("synapse")["pid"]
        router = setup.proc("router")["pid"]
        text = original.replace("  homeserver:\n",
                                f"  homeserver:\n    media:\n      maxUploadSize: {10 + i}M\n", 1) \
            if i % 2 == 0 else original
        t0 = time.time()
        with open(spec, "w") as f:
            f.write(text)
        new = wait(lambda: (lambda q: q if q and q != old else None)((setup.proc("synapse") or {}).get("pid")))
        boot = os.stat(f"/proc/{new}").st_ctime  # when /proc/<pid> appeared: the exec
        delays.append(max(0.0, boot - t0))
        wait(lambda: ready(setup, "synapse", "router"))
    stop(p)
    return delays


def main():
    if not glob.glob(JAR):
        sys.exit(f"build first (./mvnw -pl operator/app -am package -DskipTests): {JAR}")
    print(f"  class path: {JAR}")
    setup = Setup()
    try:
        print("mxstack Cloudron supervisor benchmark")
        print(f"  JDK: {subprocess.run(['java', '-version'], capture_output=True, text=True).stderr.splitlines()[0]}")
        print(f"  JVM flags: cloudron/jvm.options; MALLOC_ARENA_MAX={setup.env['MALLOC_ARENA_MAX']}")
        # A class-data archive for the planning step, trained on one planning run as the
        # container image's build does.
        archive = os.path.join(setup.base, "plan.jsa")
        subprocess.run(["java", "-XX:ArchiveClassesAtExit=" + archive, "-XX:TieredStopAtLevel=1",
                        "-XX:+UseSerialGC", "-cp", JAR, "mxstack.standalone.cloudron.CloudronPlanStep",
                        "--first-start"], check=True, env=setup.env,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        cds = os.environ.get("BENCH_CDS", "1") == "1"
        if cds:
            setup.env["MXSTACK_CDS_ARCHIVE"] = archive
        # Warm start first so secrets and the database schema exist for every measured run;
        # with BENCH_CDS, two starts (the first plans, the second starts from the saved plan)
        # train the resident's archive, as the image's build does.
        for start in ("first", "second") if cds else ("first",):
            if cds:
                setup.resident_archive_training = True
            p, _ = run_supervisor(setup)
            wait(lambda: ready(setup, "synapse", "router"))
            stop(p)
        setup.resident_archive_training = False
        print(f"  class-data archives (planning step, resident): {'yes' if cds else 'no'}"
              " (as the image builds them)")
        ours, theirs = bench_rss(setup, settle=float(os.environ.get("BENCH_SETTLE", "20")))
        print(f"\n1. steady-state RSS, same three children (synapse, nginx, MAS stand-in)")
        print(f"   mxstack supervisor: {ours / 1024:.1f} MB")
        print(f"   supervisord:        {theirs / 1024:.1f} MB")
        print(f"   ratio:              {ours / theirs:.2f}x  (target <= 1.5x)")
        runs = int(os.environ.get("BENCH_RUNS", "5"))
        added, direct = bench_start(setup, runs)
        a, d = statistics.median(added), statistics.median(direct)
        print(f"\n2. start time ({runs} runs, medians; secrets and schema already exist)")
        print(f"   supervisor start -> Synapse exec'd:      {a * 1000:.0f} ms  (runs: {', '.join(f'{x*1000:.0f}' for x in added)})")
        print(f"   Synapse alone, start -> /health OK:      {d * 1000:.0f} ms  (runs: {', '.join(f'{x*1000:.0f}' for x in direct)})")
        print(f"   added / Synapse's own:                   {a / d * 100:.1f} %  (target <= 10 %)")
        floor = statistics.median(bench_floor(setup, runs))
        print(f"   for scale, a JVM with the same flags that only starts a child: {floor * 1000:.0f} ms"
              f" ({floor / d * 100:.1f} % of Synapse's own)")
        first_added, first_direct = bench_start(setup, max(1, runs // 2), first_boot=True)
        fa, fd = statistics.median(first_added), statistics.median(first_direct)
        print(f"\n2b. first boot ({len(first_added)} runs: empty database, no secrets yet)")
        print(f"   supervisor start -> Synapse exec'd:      {fa * 1000:.0f} ms  (includes generating every secret)")
        print(f"   Synapse alone, start -> /health OK:      {fd * 1000:.0f} ms  (creating its schema)")
        print(f"   added / Synapse's own:                   {fa / fd * 100:.1f} %  (target <= 10 %)")
        p, _ = run_supervisor(setup)
        wait(lambda: ready(setup, "synapse", "router"))
        stop(p)
        delays = bench_edit(setup, runs)
        print(f"\n3. matrix.yaml edit -> Synapse exec'd again ({runs} edits)")
        print(f"   median {statistics.median(delays) * 1000:.0f} ms, max {max(delays) * 1000:.0f} ms  (target <= 1000 ms + the child's own start)")
    finally:
        setup.cleanup()


if __name__ == "__main__":
    main()
