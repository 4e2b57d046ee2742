# proc_leaks: print what /proc tells about the host and the sandbox's own
# set-up, one "name<TAB>value" line each (value "UNREADABLE: ..." when the
# read fails). The host side compares.
import os, sys
def read(p, n=4096):
    try:
        with open(p, "rb") as f:
            return f.read(n).decode("utf-8", "replace").strip().replace("\0", " ").replace("\n", "\\n")
    except OSError as e:
        return "UNREADABLE: %s" % e.__class__.__name__
for name, p in [("init-cmdline", "/proc/1/cmdline"), ("init-environ", "/proc/1/environ"),
                ("cmdline", "/proc/cmdline"), ("boot_id", "/proc/sys/kernel/random/boot_id"),
                ("loadavg", "/proc/loadavg"), ("kcore", "/proc/kcore"), ("keys", "/proc/keys"),
                ("timer_list", "/proc/timer_list"), ("sched_debug", "/proc/sched_debug"),
                ("interrupts", "/proc/interrupts"), ("kallsyms", "/proc/kallsyms"),
                ("latency_stats", "/proc/latency_stats"), ("key-users", "/proc/key-users")]:
    print("%s\t%s" % (name, read(p)))
try:
    print("acpi\t%s" % os.listdir("/proc/acpi"))
except OSError as e:
    print("acpi\tUNREADABLE: %s" % e.__class__.__name__)
print("DONE")
