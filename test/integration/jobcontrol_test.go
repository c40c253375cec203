package integration

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestJobControl drives a real terminal (tmux): ctrl-Z stops the guest and groot with it,
// the host shell's `fg` resumes it and ctrl-C ends it (status 130); inside an interactive
// guest shell, ctrl-Z and fg work on the guest's own jobs.
func TestJobControl(t *testing.T) {
	if isProot {
		t.Skip("groot's job control")
	}
	_, err := exec.LookPath("tmux")
	needs(t, "tmux", err == nil)
	for _, m := range modes() {
		t.Run(m.Name, func(t *testing.T) {
			session := "groot-jc-" + m.Name
			tmux := func(args ...string) string {
				out, _ := exec.Command("tmux", append([]string{"-L", session}, args...)...).CombinedOutput()
				return string(out)
			}
			shell := "/bin/sh"
			if os.Getuid() == 0 {
				shell = "su " + testUser + " -s /bin/sh"
			}
			tmux("new-session", "-d", "-s", session, "-x", "150", "-y", "40", shell)
			defer tmux("kill-server")
			keys := func(k ...string) {
				tmux(append([]string{"send-keys", "-t", session}, k...)...)
				time.Sleep(700 * time.Millisecond)
			}
			env := strings.Join(m.Env, " ")
			g := strings.TrimSpace(env + " " + grootBin + " " + strings.Join(m.Args, " ") + " -R " + rootfs)
			keys("cd /tmp && PS1='$ ' "+g+" sleep 30", "Enter")
			keys("C-z")
			keys("jobs; echo stopped-above", "Enter")
			keys("fg", "Enter")
			keys("C-c")
			keys("echo outer=$?", "Enter")
			keys(g+" sh", "Enter")
			keys("sleep 30", "Enter")
			keys("C-z")
			keys("fg", "Enter")
			keys("C-c")
			keys("echo inner=$?; exit 7", "Enter")
			keys("echo guest=$?", "Enter")
			screen := tmux("capture-pane", "-p", "-t", session)
			for _, want := range []string{"Stopped", "stopped-above", "outer=130", "inner=130", "guest=7"} {
				if !strings.Contains(screen, want) {
					t.Errorf("terminal lacks %q:\n%s", want, screen)
				}
			}
		})
	}
}
