package bindings

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	dir := t.TempDir()
	must := func(err error) {
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.MkdirAll(filepath.Join(dir, "real"), 0o755))
	must(os.Symlink("real", filepath.Join(dir, "link")))
	cases := []struct {
		spec, cwd   string
		host, guest string
		noFollow    bool
		errWant     string
	}{
		{spec: dir + "/real", host: dir + "/real", guest: dir + "/real"},
		{spec: dir + "/real:/x", host: dir + "/real", guest: "/x"},
		{spec: "real:/x/../y", cwd: dir, host: dir + "/real", guest: "/y"},
		{spec: dir + "/link:/x", host: dir + "/real", guest: "/x"},
		{spec: dir + "/link:/x!", host: dir + "/real", guest: "/x", noFollow: true},
		{spec: ":/x", errWant: "empty host path"},
		{spec: dir + "/real:", errWant: "empty guest path"},
		{spec: dir + "/real:!", errWant: "empty guest path"},
		{spec: dir + "/real:rel", errWant: "not absolute"},
		{spec: dir + "/missing:/x", errWant: dir + "/missing"},
	}
	for _, c := range cases {
		b, err := Parse(c.spec, c.cwd)
		if c.errWant != "" {
			if err == nil || !strings.Contains(err.Error(), c.errWant) {
				t.Errorf("Parse(%q) = %+v, %v; want an error mentioning %q", c.spec, b, err, c.errWant)
			}
			continue
		}
		if err != nil || b.Host != c.host || b.Guest != c.guest || b.NoFollow != c.noFollow {
			t.Errorf("Parse(%q) = %+v, %v; want host %s guest %s nofollow %v", c.spec, b, err, c.host, c.guest, c.noFollow)
		}
	}
}

func TestPreset(t *testing.T) {
	home := t.TempDir()
	r := Preset("R", home)
	guests := map[string]bool{}
	for _, b := range r {
		guests[b.Guest] = true
		if _, err := os.Lstat(b.Host); err != nil {
			t.Errorf("preset binding %+v: host path missing", b)
		}
	}
	for _, want := range []string{"/proc", "/dev", "/sys", "/etc/passwd", home} {
		if _, err := os.Stat(want); err == nil && !guests[want] {
			t.Errorf("-R preset lacks %s (present on the host)", want)
		}
	}
	if guests["/var/run/dbus/system_bus_socket"] {
		if _, err := os.Lstat("/var/run/dbus/system_bus_socket"); err != nil {
			t.Errorf("-R preset kept a missing host path")
		}
	}
	s := Preset("S", "/does/not/exist")
	for _, b := range s {
		if b.Guest == "/does/not/exist" || b.Guest == "/etc/passwd" {
			t.Errorf("-S preset has %s", b.Guest)
		}
	}
}

func TestLookups(t *testing.T) {
	base := t.TempDir()
	rootfs := filepath.Join(base, "rootfs")
	data := filepath.Join(base, "data")
	inside := filepath.Join(rootfs, "srv")
	for _, d := range []string{rootfs, data, inside} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	tb, err := New(rootfs, []Binding{
		{Host: data, Guest: "/tmp"},
		{Host: inside, Guest: "/mnt/srv"},
		{Host: data, Guest: "/tmp"}, // repeated: replaces, no duplicate
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tb.All()); n != 3 {
		t.Fatalf("All() has %d bindings, want 3", n)
	}
	g2h := map[string]string{
		"/":           rootfs,
		"/etc/passwd": rootfs + "/etc/passwd",
		"/tmp":        data,
		"/tmp/a/b":    data + "/a/b",
		"/tmpx":       rootfs + "/tmpx",
		"/mnt/srv/f":  inside + "/f",
	}
	for g, want := range g2h {
		if h, _ := tb.GuestToHost(g); h != want {
			t.Errorf("GuestToHost(%s) = %s, want %s", g, h, want)
		}
	}
	h2g := map[string]string{
		rootfs + "/etc/passwd": "/etc/passwd",
		rootfs:                 "/",
		data + "/x":            "/tmp/x",
		inside + "/f":          "/mnt/srv/f", // the more specific binding wins over the rootfs
	}
	for h, want := range h2g {
		if g, ok := tb.HostToGuest(h); !ok || g != want {
			t.Errorf("HostToGuest(%s) = %s %v, want %s", h, g, ok, want)
		}
	}
	if g, ok := tb.HostToGuest("/definitely/elsewhere"); ok {
		t.Errorf("HostToGuest outside = %s, want not ok", g)
	}
	if _, err := New(filepath.Join(base, "nope"), nil); err == nil || !strings.Contains(err.Error(), "nope") {
		t.Errorf("New(missing rootfs) = %v, want an error naming it", err)
	}
}
