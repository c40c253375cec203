// Package execerr reports a failed execve of the guest command the way a shell does,
// for both engines.
package execerr

import (
	"strings"

	"golang.org/x/sys/unix"
)

// Strerror spells an errno as the C library does ("No such file or directory"), which
// scripts written for PRoot match on.
func Strerror(err error) string {
	s := err.Error()
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// Status is the exit status a shell gives for a command it could not execute: 127 when
// it was not found, 126 otherwise.
func Status(err error) int {
	if err == unix.ENOENT || err == unix.ENOTDIR {
		return 127
	}
	return 126
}

// Exec executes path like execvp(3) does once the path is known: a file the kernel
// cannot execute (ENOEXEC) is run by /bin/sh as a script. It returns only on failure.
func Exec(path string, argv, env []string) error {
	err := unix.Exec(path, argv, env)
	if err == unix.ENOEXEC {
		err = unix.Exec("/bin/sh", append([]string{"/bin/sh", path}, argv[1:]...), env)
	}
	return err
}
