// Command groot runs programs inside a guest root file system as an unprivileged user, the
// way PRoot does: see README.md.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/groot-sandbox/groot/config"
	"github.com/groot-sandbox/groot/tracer"
	"github.com/groot-sandbox/groot/userns"
	"golang.org/x/sys/unix"
)

func main() {
	if tracer.IsShim() {
		tracer.ShimMain()
	}
	if tracer.IsDoorbell() {
		tracer.DoorbellMain()
	}
	if userns.IsChild() {
		userns.ChildMain()
	}
	if f := os.Getenv("GROOT_CPUPROFILE"); f != "" {
		os.Exit(profiled(f, func() int { return run(os.Args[1:]) }))
	}
	os.Exit(run(os.Args[1:]))
}

func run(args []string) int {
	// getcwd(2), not os.Getwd: the latter returns $PWD when it names the same directory,
	// a path through symlinks, and PRoot starts the guest from the physical path.
	cwd, err := unix.Getwd()
	if err != nil {
		cwd = "/"
	}
	cfg, err := parse(args, os.Environ(), cwd)
	var nf *notFoundError
	switch {
	case errors.Is(err, errHelp):
		fmt.Print(usage())
		return 0
	case errors.Is(err, errVersion):
		fmt.Printf("groot %s\n", version)
		return 0
	case errors.As(err, &nf):
		fmt.Fprintf(os.Stderr, "groot: %v\n", err)
		return 127
	case err != nil:
		fmt.Fprintf(os.Stderr, "groot: %v\n", err)
		return 1
	}
	// The engines make the scratch directory when they need one (cfg.MakeScratch).
	defer func() {
		if cfg.Scratch != "" {
			os.RemoveAll(cfg.Scratch)
		}
	}()

	status, err := runEngine(cfg)
	reportRusage()
	if err != nil {
		fmt.Fprintf(os.Stderr, "groot: %v\n", err)
		return 1
	}
	return status
}

// runEngine picks the engine for cfg.Mode and runs the guest.
func runEngine(cfg *config.Config) (int, error) {
	logf := func(format string, args ...any) {
		if cfg.Verbose >= 1 {
			fmt.Fprintf(os.Stderr, "groot: "+format+"\n", args...)
		}
	}
	isolation := cfg.NeedsNamespaces()
	if cfg.ChangeID && cfg.Mode == config.ModeAuto && isolation == "" {
		// A user namespace can map only the caller's own uid: chown to any other uid
		// fails there. Fake ownership that holds together needs the tracer.
		logf("mode ptrace (-0/-i: fake ownership needs the tracer)")
		return tracer.Run(cfg)
	}
	if cfg.FakeDB != "" && cfg.Mode == config.ModeUserns {
		return 0, fmt.Errorf("--fake-db needs the ptrace engine (--mode userns maps the ids instead of faking ownership)")
	}
	switch cfg.Mode {
	case config.ModePtrace:
		if isolation != "" {
			return 0, fmt.Errorf("%s needs the namespace engine: --mode ptrace cannot isolate it (nothing was run)", isolation)
		}
		logf("mode ptrace (asked for)")
		return tracer.Run(cfg)
	case config.ModeUserns:
		if err := userns.Supports(cfg); err != nil {
			return 0, fmt.Errorf("--mode userns: %w", err)
		}
		logf("mode userns (asked for)")
		status, err := userns.Run(cfg)
		if err != nil {
			return 0, fmt.Errorf("--mode userns: %w", err)
		}
		return status, nil
	}
	if err := userns.Supports(cfg); err != nil {
		if isolation != "" {
			return 0, fmt.Errorf("%s needs the namespace engine, but %v (nothing was run)", isolation, err)
		}
		logf("mode ptrace (%v)", err)
		return tracer.Run(cfg)
	}
	// Auto: try the namespaces; a failure before the guest starts falls back to ptrace,
	// unless an isolation option needs them: never a silent downgrade. Run itself finds
	// out (no separate probe: one process start saved); only -v probes first, so that
	// the mode line comes before the guest's output.
	if cfg.Verbose >= 1 {
		if err := userns.Available(); err != nil {
			if isolation != "" {
				return 0, fmt.Errorf("%s needs user namespaces, which are unavailable here (nothing was run): %w", isolation, err)
			}
			logf("mode ptrace (%v)", err)
			return tracer.Run(cfg)
		}
		logf("mode userns (user namespaces available)")
	}
	status, err := userns.Run(cfg)
	if errors.Is(err, userns.ErrUnavailable) && isolation != "" {
		return 0, fmt.Errorf("%s needs user namespaces, which are unavailable here (nothing was run): %w", isolation, err)
	}
	if errors.Is(err, userns.ErrUnavailable) {
		logf("mode ptrace (%v)", err)
		return tracer.Run(cfg)
	}
	return status, err
}

// reportRusage writes groot's own peak RSS (getrusage RUSAGE_SELF, in KiB) to the file
// named by GROOT_RUSAGE_FILE, for the benchmark: the rusage a parent gets from wait4
// would include the guest's processes.
func reportRusage() {
	path := os.Getenv("GROOT_RUSAGE_FILE")
	if path == "" {
		return
	}
	var ru unix.Rusage
	if unix.Getrusage(unix.RUSAGE_SELF, &ru) == nil {
		_ = os.WriteFile(path, []byte(fmt.Sprintf("%d\n", ru.Maxrss)), 0o644)
	}
}
