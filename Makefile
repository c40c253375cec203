# groot: see README.md. `make demo` and `make test` are the two set-up commands.
GO ?= go
BIN := bin/groot
DEMO_ROOTFS := test/.cache/demo-busybox

.PHONY: build demo test unit vet lint integration test-arm64 bench release clean
build:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) ./cmd/groot

# Builds groot and a busybox rootfs, then runs a command in it as the current user.
demo: build
	$(GO) run ./test/fixtures/mkrootfs -kind busybox -o $(DEMO_ROOTFS)
	$(BIN) -R $(DEMO_ROOTFS) sh -c 'ls /; id; cat /etc/os-release 2>/dev/null || uname -a'

vet:
	$(GO) vet ./...
	GOARCH=arm64 $(GO) vet ./...

lint: vet
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi

# Unit tests of the packages (no guest runs).
unit:
	$(GO) test -count=1 ./bindings/... ./pathmap/... ./syscalls/... ./binfmt/... ./config/... ./creds/... ./ownership/... ./colocate/... ./internal/... ./cmd/... ./tracer/... ./userns/...

# Integration tests: guests run by groot as the unprivileged user groot-test, compared
# with native runs (chroot as root).
integration: build
	$(GO) test -count=1 -timeout 20m ./test/...

# The same integration suite on a real arm64 kernel under qemu (see test/arm64): needs
# Debian's arm64 architecture enabled for apt-get download (bash .ci/run does it).
test-arm64:
	$(GO) run ./test/arm64

test: lint build unit integration test-arm64

bench: build
	$(GO) run ./test/bench

release:
	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 $(GO) build -trimpath -o bin/groot-linux-amd64 ./cmd/groot
	CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -trimpath -o bin/groot-linux-arm64 ./cmd/groot

clean:
	rm -rf bin test/.cache
