// Command bench compares groot with native runs, PRoot and bubblewrap on the same
// workloads in one run, and writes the table to BENCHMARKS.md: `make bench` (as root:
// native runs use chroot, the sandboxes run as the unprivileged user groot-test).
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/groot-sandbox/groot/test/fixtures"
)

type workload struct {
	name, script string
	// target is groot ptrace's ceiling as a ratio to native (0: see targetNote).
	target float64
}

var workloads = []workload{
	{"true", "/bin/true", 0},
	{"exec500", "i=0; while [ $i -lt 500 ]; do /bin/true; i=$((i+1)); done", 1.55},
	{"find", "find /usr -type f | wc -l", 3.8},
	{"tar", "tar cf - /usr/lib/x86_64-linux-gnu | wc -c", 2.45},
	{"make", "cd /proj && make -s clean && make -s -j2", 2.5},
	{"py", "python3 -c 'import json, email, http.client, xml.dom.minidom, asyncio'", 1.3},
}

type tool struct {
	name   string
	argv   func(rootfs string, w workload) []string
	env    []string
	asRoot bool
	groot  bool
}

func toolsFor(groot string) []tool {
	sh := func(w workload) []string {
		if w.name == "true" {
			return []string{"/bin/true"}
		}
		return []string{"/bin/sh", "-c", w.script}
	}
	return []tool{
		{name: "native", asRoot: true, argv: func(r string, w workload) []string { return append([]string{"chroot", r}, sh(w)...) }},
		{name: "groot-ptrace", groot: true, argv: func(r string, w workload) []string {
			return append([]string{groot, "--mode", "ptrace", "-r", r}, sh(w)...)
		}},
		{name: "groot-ptrace-noseccomp", groot: true, env: []string{"GROOT_NO_SECCOMP=1"}, argv: func(r string, w workload) []string {
			return append([]string{groot, "--mode", "ptrace", "-r", r}, sh(w)...)
		}},
		{name: "groot-userns", groot: true, argv: func(r string, w workload) []string {
			return append([]string{groot, "--mode", "userns", "-r", r}, sh(w)...)
		}},
		{name: "proot", argv: func(r string, w workload) []string { return append([]string{"proot", "-r", r}, sh(w)...) }},
		{name: "bwrap", argv: func(r string, w workload) []string {
			return append([]string{"bwrap", "--bind", r, "/", "--proc", "/proc", "--dev", "/dev"}, sh(w)...)
		}},
	}
}

type sample struct {
	wall   time.Duration
	rssKiB int
	out    string
	err    error
}

func main() {
	runs := flag.Int("runs", 7, "timed runs per tool and workload (at least 5 for a report; medians of 5 moved by 10% between runs here)")
	only := flag.String("workloads", "", "comma-separated workloads (default: all)")
	toolList := flag.String("tools", "", "comma-separated tools (default: all)")
	outPath := flag.String("out", filepath.Join(fixtures.RepoRoot(), "BENCHMARKS.md"), "where to write the table")
	flag.Parse()
	if os.Getuid() != 0 {
		fatal("run as root: native runs use chroot and the Debian fixture needs debootstrap")
	}
	u, err := user.Lookup("groot-test")
	if err != nil {
		fatal("user groot-test: %v (bash .ci/run creates it)", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	rootfs, err := fixtures.Debian(filepath.Join(fixtures.RepoRoot(), "test", ".cache"))
	if err != nil {
		fatal("%v", err)
	}
	if err := fixtures.Chown(rootfs, uid, gid); err != nil {
		fatal("%v", err)
	}
	groot := filepath.Join(fixtures.RepoRoot(), "bin", "groot")
	if _, err := os.Stat(groot); err != nil {
		fatal("%s: %v (make build)", groot, err)
	}
	tools := filter(toolsFor(groot), *toolList, func(t tool) string { return t.name })
	wls := filter(workloads, *only, func(w workload) string { return w.name })
	rssFile := filepath.Join(os.TempDir(), "groot-bench-rss")

	results := map[string]map[string][]sample{}
	for _, w := range wls {
		results[w.name] = map[string][]sample{}
		fmt.Fprintf(os.Stderr, "%s:", w.name)
		// One warm-up per tool, then interleaved timed runs: A B C ... A B C ...
		for i := -1; i < *runs; i++ {
			for _, t := range tools {
				s := runOnce(t, rootfs, w, uid, gid, rssFile)
				if i >= 0 {
					results[w.name][t.name] = append(results[w.name][t.name], s)
				}
			}
			fmt.Fprint(os.Stderr, ".")
		}
		fmt.Fprintln(os.Stderr)
	}
	report := render(results, wls, tools, *runs)
	fmt.Print(report)
	if err := os.WriteFile(*outPath, []byte(report), 0o644); err != nil {
		fatal("%v", err)
	}
}

func runOnce(t tool, rootfs string, w workload, uid, gid int, rssFile string) sample {
	argv := t.argv(rootfs, w)
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = "/"
	cmd.Env = append([]string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/tmp", "LANG=C"}, t.env...)
	if t.groot {
		os.Remove(rssFile)
		cmd.Env = append(cmd.Env, "GROOT_RUSAGE_FILE="+rssFile)
	}
	if !t.asRoot {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}}
	}
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	err := cmd.Run()
	s := sample{wall: time.Since(start), out: strings.TrimSpace(out.String())}
	if err != nil {
		msg := strings.TrimSpace(errb.String())
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		s.err = fmt.Errorf("%v: %s", err, msg)
	}
	if t.groot {
		if b, err := os.ReadFile(rssFile); err == nil {
			s.rssKiB, _ = strconv.Atoi(strings.TrimSpace(string(b)))
		}
	}
	return s
}

func median(ds []time.Duration) time.Duration {
	s := append([]time.Duration(nil), ds...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}

func render(results map[string]map[string][]sample, wls []workload, tools []tool, runs int) string {
	var b strings.Builder
	b.WriteString("# Benchmarks\n\n")
	b.WriteString("Written by `make bench` (test/bench). Every workload runs inside the Debian bookworm minbase\n")
	b.WriteString("rootfs of the test fixtures; the tools are interleaved (A B C ... A B C ...), one warm-up\n")
	fmt.Fprintf(&b, "each, then %d timed runs; the table shows the median wall time and its ratio to native.\n", runs)
	b.WriteString("Native runs `chroot` as root; the sandboxes run as the unprivileged user groot-test. A run\n")
	b.WriteString("whose output differs from native's (file count, byte count, exit status) is WRONG, not timed.\n")
	b.WriteString("groot's peak RSS is groot's own (getrusage RUSAGE_SELF at exit), not the guest's.\n\n")
	fmt.Fprintf(&b, "Machine: %s, %d cores, %s, kernel %s, %s; %s; %s.\n\n", cpuModel(), runtime.NumCPU(), memTotal(), kernel(), time.Now().UTC().Format("2006-01-02"), version("proot", "--version"), version("bwrap", "--version"))
	b.WriteString("| workload | tool | median | vs native | groot peak RSS | target |\n|---|---|---|---|---|---|\n")
	for _, w := range wls {
		nat := results[w.name]["native"]
		var natMed time.Duration
		natOut := ""
		if len(nat) > 0 && nat[0].err == nil {
			natMed, natOut = median(walls(nat)), nat[0].out
		}
		for _, t := range tools {
			ss := results[w.name][t.name]
			if len(ss) == 0 {
				continue
			}
			cell := func() string {
				for _, s := range ss {
					if s.err != nil {
						return "n/a (" + s.err.Error() + ")"
					}
					if natOut != "" && s.out != natOut || natOut == "" && s.out != "" && t.name != "native" {
						return "WRONG (output " + strconvQuote(s.out) + ", native " + strconvQuote(natOut) + ")"
					}
				}
				return ""
			}()
			med := median(walls(ss))
			ratio, rss, target := "", "", ""
			if cell == "" {
				cell = fmtDur(med)
				if natMed > 0 && t.name != "native" {
					ratio = fmt.Sprintf("%.2fx", float64(med)/float64(natMed))
					if w.name == "true" {
						ratio += fmt.Sprintf(" (+%s)", fmtDur(med-natMed))
					}
				}
			}
			if t.groot {
				max := 0
				for _, s := range ss {
					if s.rssKiB > max {
						max = s.rssKiB
					}
				}
				if max > 0 {
					rss = fmt.Sprintf("%.1f MiB", float64(max)/1024)
				}
			}
			switch {
			case t.name == "groot-ptrace" && w.target > 0:
				target = fmt.Sprintf("<= %.2fx", w.target)
			case t.name == "groot-ptrace" && w.name == "true":
				target = "<= native + 12 ms"
			case t.name == "groot-userns":
				target = "within 5% of bwrap"
				if w.name == "true" {
					target = "<= bwrap + 5 ms"
				}
			}
			if t.name == "groot-ptrace" && w.name == "make" {
				target += ", RSS < 40 MiB"
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s |\n", w.name, t.name, cell, ratio, rss, target)
		}
	}
	return b.String()
}

func walls(ss []sample) []time.Duration {
	var out []time.Duration
	for _, s := range ss {
		out = append(out, s.wall)
	}
	return out
}

func fmtDur(d time.Duration) string {
	if d < time.Second {
		return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

func strconvQuote(s string) string {
	if len(s) > 30 {
		s = s[:30] + "..."
	}
	return strconv.Quote(s)
}

func filter[T any](all []T, list string, name func(T) string) []T {
	if list == "" {
		return all
	}
	var out []T
	for _, x := range all {
		if strings.Contains(","+list+",", ","+name(x)+",") {
			out = append(out, x)
		}
	}
	if len(out) == 0 {
		fatal("nothing selected by %q", list)
	}
	return out
}

func cpuModel() string {
	data, _ := os.ReadFile("/proc/cpuinfo")
	for _, l := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(l, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown CPU"
}

func memTotal() string {
	data, _ := os.ReadFile("/proc/meminfo")
	f := strings.Fields(string(data))
	if len(f) >= 2 {
		kb, _ := strconv.Atoi(f[1])
		return fmt.Sprintf("%.0f GiB RAM", float64(kb)/1024/1024)
	}
	return "unknown RAM"
}

func kernel() string {
	data, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return strings.TrimSpace(string(data))
}

func version(cmd, flag string) string {
	out, err := exec.Command(cmd, flag).CombinedOutput()
	if err != nil {
		return cmd + " (not installed)"
	}
	for _, l := range strings.Split(string(out), "\n") {
		if strings.Contains(strings.ToLower(l), "v") && strings.TrimSpace(l) != "" && !strings.HasPrefix(strings.TrimSpace(l), "_") {
			return cmd + " " + strings.TrimSpace(l)
		}
	}
	return cmd
}

func fatal(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "bench: "+format+"\n", args...)
	os.Exit(1)
}
