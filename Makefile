# groot — see README.md. `make demo` and `make test` are the two set-up commands.
GO ?= go
BIN := bin/groot

.PHONY: build demo test unit vet lint integration bench release clean
build:
	CGO_ENABLED=0 $(GO) build -trimpath -o $(BIN) ./cmd/groot

vet:
	$(GO) vet ./...
	GOARCH=arm64 $(GO) vet ./...

lint: vet
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); echo "gofmt needed"; exit 1; }

unit:
	$(GO) test ./bindings/... ./pathmap/... ./syscalls/... ./binfmt/... ./config/... ./cmd/... ./tracer/... ./userns/...

test: lint build unit integration

integration: build
	$(GO) test -count=1 ./test/...

clean:
	rm -rf bin test/.cache
