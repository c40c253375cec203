package binfmt

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

// TestParseELFAgreesWithDebugELF reads real programs and libraries both ways.
func TestParseELFAgreesWithDebugELF(t *testing.T) {
	paths, _ := filepath.Glob("/lib/x86_64-linux-gnu/ld-linux*")
	arm, _ := filepath.Glob("/lib/aarch64-linux-gnu/ld-linux*")
	paths = append(append(paths, arm...), "/bin/ls", "/bin/busybox", "/bin/sh", "/usr/bin/env")
	n := 0
	for _, p := range paths {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		ef, err := elf.NewFile(bytes.NewReader(data))
		if err != nil || ef.Machine != nativeMachine {
			continue
		}
		n++
		e, err := parseELF(bytes.NewReader(data))
		if err != nil {
			t.Errorf("%s: %v", p, err)
			continue
		}
		loads := 0
		for _, prog := range ef.Progs {
			switch prog.Type {
			case elf.PT_LOAD:
				s := e.Loads[loads]
				if s.Vaddr != prog.Vaddr || s.Memsz != prog.Memsz || s.Filesz != prog.Filesz || s.Offset != prog.Off || s.Align != prog.Align {
					t.Errorf("%s: load %d is %+v, debug/elf says %+v", p, loads, s, prog.ProgHeader)
				}
				loads++
			case elf.PT_INTERP:
				b := make([]byte, prog.Filesz)
				prog.ReadAt(b, 0)
				if want := string(bytes.TrimRight(b, "\x00")); e.Interp != want {
					t.Errorf("%s: interpreter %q, want %q", p, e.Interp, want)
				}
			}
		}
		if loads != len(e.Loads) || e.Entry != ef.Entry || e.Dynamic != (ef.Type == elf.ET_DYN) || e.Phnum != uint64(len(ef.Progs)) {
			t.Errorf("%s: %+v, debug/elf: %d loads, entry %#x, type %v", p, e, loads, ef.Entry, ef.Type)
		}
	}
	if n == 0 {
		t.Fatal("no ELF program of this architecture found to compare")
	}
}

// TestParseELFAgreesWithKernel damages a static program's headers and checks that the
// parser refuses exactly what the kernel's execve refuses with ENOEXEC. Section headers
// are not the kernel's business: a program whose are damaged still runs.
func TestParseELFAgreesWithKernel(t *testing.T) {
	orig, err := os.ReadFile("/bin/busybox")
	if err != nil {
		t.Skip("needs a static /bin/busybox (busybox-static): ", err)
	}
	if e, err := parseELF(bytes.NewReader(orig)); err != nil || e.Interp != "" {
		t.Fatalf("/bin/busybox: %+v %v, want a static program", e, err)
	}
	le := binary.LittleEndian
	phoff := le.Uint64(orig[ehPhoff:])
	cases := map[string]func(b []byte){
		"as is":                func(b []byte) {},
		"section headers far":  func(b []byte) { le.PutUint64(b[0x28:], 1<<40) },
		"section count huge":   func(b []byte) { le.PutUint16(b[0x3c:], 0xffff) },
		"bad magic":            func(b []byte) { b[1] = 'X' },
		"core file":            func(b []byte) { le.PutUint16(b[ehType:], 4) },
		"other machine":        func(b []byte) { le.PutUint16(b[ehMachine:], 3) },
		"phentsize 32":         func(b []byte) { le.PutUint16(b[ehPhentsize:], 32) },
		"no program headers":   func(b []byte) { le.PutUint16(b[ehPhnum:], 0) },
		"headers past the end": func(b []byte) { le.PutUint64(b[ehPhoff:], uint64(len(b))) },
		"interp no NUL": func(b []byte) {
			// Turn the first program header into a PT_INTERP of one byte without NUL.
			p := b[phoff:]
			le.PutUint32(p[phType:], ptInterp)
			le.PutUint64(p[phOffset:], 1)
			le.PutUint64(p[phFilesz:], 1)
		},
		"interp past the end": func(b []byte) {
			p := b[phoff:]
			le.PutUint32(p[phType:], ptInterp)
			le.PutUint64(p[phOffset:], uint64(len(b)))
			le.PutUint64(p[phFilesz:], 16)
		},
		"two interpreters, the second bad": func(b []byte) {
			// The first names a file that does not exist (the kernel's execve: ENOENT), the
			// second is malformed (ENOEXEC if it counted): only the first counts.
			copy(b[9:], "/\x01\x00") // in e_ident's padding, which the kernel ignores
			p := b[phoff:]
			le.PutUint32(p[phType:], ptInterp)
			le.PutUint64(p[phOffset:], 9)
			le.PutUint64(p[phFilesz:], 3)
			p = b[phoff+elf64Phdr:]
			le.PutUint32(p[phType:], ptInterp)
			le.PutUint64(p[phFilesz:], 1)
		},
	}
	dir := t.TempDir()
	for name, damage := range cases {
		b := bytes.Clone(orig)
		damage(b)
		file := filepath.Join(dir, "prog")
		os.Remove(file)
		if err := os.WriteFile(file, b, 0o755); err != nil {
			t.Fatal(err)
		}
		_, parseErr := parseELF(bytes.NewReader(b))
		runErr := exec.Command(file, "true").Run()
		var kernelErr error
		var errno unix.Errno
		if errors.As(runErr, &errno) {
			kernelErr = errno
		}
		if parseErr != nil && parseErr != kernelErr {
			t.Errorf("%s: parseELF says %v, the kernel's execve says %v", name, parseErr, runErr)
		}
		if parseErr == nil && kernelErr != nil && kernelErr != unix.ENOENT {
			// ENOENT: an interpreter that parses but does not exist, the loader's business.
			t.Errorf("%s: parseELF accepts it, the kernel's execve says %v", name, runErr)
		}
	}
}
