package userns

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/groot-sandbox/groot/internal/execerr"
	"golang.org/x/sys/unix"
)

// mountError is a failed mount step, naming the operation, source and target.
type mountError struct {
	op, source, target string
	err                error
}

func (e *mountError) Error() string {
	return fmt.Sprintf("%s %s on %s: %v", e.op, e.source, e.target, e.err)
}

// ChildMain is the namespace child's whole life: it never returns.
func ChildMain() {
	cfgFD, statusFD := 3, 4
	fmt.Sscanf(os.Getenv(pipesEnv), "%d,%d", &cfgFD, &statusFD)
	unix.CloseOnExec(cfgFD)
	unix.CloseOnExec(statusFD)
	status := os.NewFile(uintptr(statusFD), "status")
	fail := func(kind byte, err error) {
		status.Write(append([]byte{kind}, err.Error()...))
		os.Exit(1)
	}
	var sp spec
	config := os.NewFile(uintptr(cfgFD), "config")
	if err := json.NewDecoder(config).Decode(&sp); err != nil {
		fail('U', fmt.Errorf("read the configuration: %w", err))
	}
	config.Close() // the guest inherits nothing of groot's
	if err := unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, ""); err != nil {
		fail('U', &mountError{"make private", "", "/", err})
	}
	if os.Getenv(childEnv) == "probe" {
		if err := unix.Mount("tmpfs", sp.Scratch, "tmpfs", 0, "mode=0700"); err != nil {
			fail('U', &mountError{"mount tmpfs", "tmpfs", sp.Scratch, err})
		}
		os.Exit(0)
	}
	root, err := buildRoot(&sp)
	if err != nil {
		fail('U', err)
	}
	if err := isolate(&sp, root); err != nil {
		fail('U', err)
	}
	if err := enterRoot(root); err != nil {
		fail('U', err)
	}
	if err := unix.Chdir(sp.Cwd); err != nil {
		fmt.Fprintf(os.Stderr, "groot: warning: can't chdir to %s in the guest, using /\n", sp.Cwd)
		unix.Chdir("/")
	}
	argv := append([]string{sp.Argv0}, sp.Command[1:]...)
	if sp.Argv0 == "" {
		argv[0] = sp.Command[0]
	}
	if sp.PID {
		// The assembled init keeps CAP_SYS_ADMIN to reset ns_last_pid and clears the
		// ambient set in the guest's process itself; it returns only on failure.
		execPID1(&sp, argv)
	}
	// The guest gets no capabilities: with the ambient set cleared, execve as a non-root
	// uid leaves the permitted set empty. Capability sets belong to each thread, and the
	// Go runtime may run the exec (or initMain's fork) on another of its threads: clear
	// them on all.
	if _, _, e := syscall.AllThreadsSyscall(unix.SYS_PRCTL, unix.PR_CAP_AMBIENT, unix.PR_CAP_AMBIENT_CLEAR_ALL, 0); e != 0 {
		fail('U', fmt.Errorf("clear ambient capabilities: %w", e))
	}
	if sp.PID {
		os.Exit(initMain(&sp, argv, status))
	}
	err = execerr.Exec(sp.Command[0], argv, sp.Env)
	fmt.Fprintf(os.Stderr, "groot: %s: %s\n", sp.Command[0], execerr.Strerror(err))
	status.Write([]byte{'E'})
	os.Exit(execerr.Status(err))
}

// buildRoot assembles the guest's root under a tmpfs on the scratch directory: the rootfs
// bound recursively, then every binding, least specific first.
func buildRoot(sp *spec) (string, error) {
	if err := unix.Mount("tmpfs", sp.Scratch, "tmpfs", 0, "mode=0755"); err != nil {
		return "", &mountError{"mount tmpfs", "tmpfs", sp.Scratch, err}
	}
	root := filepath.Join(sp.Scratch, "root")
	if err := os.Mkdir(root, 0o755); err != nil {
		return "", err
	}
	if err := bind(sp.Rootfs, root); err != nil {
		return "", err
	}
	g := &gluer{scratch: sp.Scratch, owned: map[string]bool{}}
	for _, b := range sp.Bindings {
		target := filepath.Join(root, b.Guest)
		st, err := os.Stat(b.Host)
		if err != nil {
			return "", fmt.Errorf("binding %s: %w", b.Host, err)
		}
		if fi, err := os.Lstat(target); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			// A "!" binding replaces the guest's symlink itself (mount(2) would follow
			// it): the link is swapped for a mount point in a glued parent.
			if err := g.replace(target); err != nil {
				return "", err
			}
		}
		if err := g.ensure(root, target, func(p string) error { return makeMountPoint(p, st.IsDir()) }); err != nil {
			return "", err
		}
		if err := bind(b.Host, target); err != nil {
			return "", err
		}
	}
	return root, nil
}

func makeMountPoint(p string, dir bool) error {
	if dir {
		return os.Mkdir(p, 0o755)
	}
	f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	return f.Close()
}

func bind(source, target string) error {
	if err := unix.Mount(source, target, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return &mountError{"bind", source, target, err}
	}
	return nil
}

// gluer creates missing mount points without writing into the user's rootfs: the
// nearest existing ancestor directory is covered by a tmpfs in which its original
// entries are bound back and the missing path is created. A consequence, documented in
// the README: new entries written directly into such a glued directory land in the tmpfs,
// not in the rootfs.
type gluer struct {
	scratch string
	n       int
	owned   map[string]bool // directories on groot's own tmpfs: glued or created there
}

// ensure makes target exist, creating it (and its missing parents) with create.
func (g *gluer) ensure(root, target string, create func(string) error) error {
	if _, err := os.Lstat(target); err == nil {
		return nil
	}
	anc := filepath.Dir(target)
	for {
		if _, err := os.Lstat(anc); err == nil {
			break
		}
		anc = filepath.Dir(anc)
	}
	if !g.owned[anc] {
		if err := g.glue(anc); err != nil {
			return err
		}
	}
	for d := filepath.Dir(target); d != anc; d = filepath.Dir(d) {
		g.owned[d] = true
	}
	if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
		return err
	}
	return create(target)
}

// replace removes the entry at target, gluing its directory first so that the rootfs is
// not touched.
func (g *gluer) replace(target string) error {
	dir := filepath.Dir(target)
	if !g.owned[dir] {
		if err := g.glue(dir); err != nil {
			return err
		}
	}
	return os.Remove(target)
}

// glue covers dir with a tmpfs that shows dir's original entries (bound back in).
func (g *gluer) glue(dir string) error {
	g.n++
	orig := filepath.Join(g.scratch, "orig", strconv.Itoa(g.n))
	if err := os.MkdirAll(orig, 0o755); err != nil {
		return err
	}
	if err := unix.Mount(dir, orig, "", unix.MS_BIND|unix.MS_REC, ""); err != nil {
		return &mountError{"bind", dir, orig, err}
	}
	st, err := os.Stat(dir)
	if err != nil {
		return err
	}
	mode := fmt.Sprintf("mode=%o", st.Mode().Perm())
	if err := unix.Mount("tmpfs", dir, "tmpfs", 0, mode); err != nil {
		return &mountError{"mount tmpfs", "tmpfs", dir, err}
	}
	g.owned[dir] = true
	ents, err := os.ReadDir(orig)
	if err != nil {
		return err
	}
	for _, e := range ents {
		from, to := filepath.Join(orig, e.Name()), filepath.Join(dir, e.Name())
		if e.Type()&os.ModeSymlink != 0 {
			link, err := os.Readlink(from)
			if err != nil {
				return err
			}
			if err := os.Symlink(link, to); err != nil {
				return err
			}
			continue
		}
		if err := makeMountPoint(to, e.IsDir()); err != nil {
			return err
		}
		if err := bind(from, to); err != nil {
			return err
		}
	}
	return nil
}

// enterRoot makes root the process's root: pivot_root(".", ".") stacks the old root on
// top of the new one, and detaching it leaves the new root (pivot_root(2), NOTES), so no
// directory for the old root is needed in the user's rootfs.
func enterRoot(root string) error {
	if err := unix.Chdir(root); err != nil {
		return err
	}
	if err := unix.PivotRoot(".", "."); err != nil {
		if err != unix.EINVAL {
			return &mountError{"pivot_root", ".", root, err}
		}
		// The current root is the initial ramfs (a system running from its initramfs,
		// as the arm64 test VM does), which pivot_root refuses (pivot_root(2), EINVAL).
		// Move the new root over "/" and chroot into it instead, as switch_root does.
		if err := unix.Mount(".", "/", "", unix.MS_MOVE, ""); err != nil {
			return &mountError{"move new root over /", ".", "/", err}
		}
		if err := unix.Chroot("."); err != nil {
			return &mountError{"chroot", ".", root, err}
		}
		return unix.Chdir("/")
	}
	if err := unix.Unmount(".", unix.MNT_DETACH); err != nil {
		return &mountError{"detach old root", "", ".", err}
	}
	return unix.Chdir("/")
}
