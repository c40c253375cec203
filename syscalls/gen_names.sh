#!/bin/sh
# Regenerates zsysnames_<arch>.go from golang.org/x/sys/unix's syscall number lists.
set -eu
Z=$(go env GOMODCACHE)/golang.org/x/sys@$(go list -m -f '{{.Version}}' golang.org/x/sys)/unix
for a in amd64 arm64; do
	{
		echo "// Code generated from golang.org/x/sys/unix/zsysnum_linux_$a.go by syscalls/gen_names.sh; DO NOT EDIT."
		echo
		echo "package syscalls"
		echo
		echo "// names maps every $a syscall number to its name, for logs."
		echo "var names = map[int]string{"
		grep -E '^\s+SYS_[A-Z0-9_]+\s+= [0-9]+' "$Z/zsysnum_linux_$a.go" |
			awk '{n=tolower(substr($1,5)); printf "\t%s: \"%s\",\n", $3, n}'
		echo "}"
	} >"zsysnames_$a.go"
done
gofmt -w zsysnames_*.go
