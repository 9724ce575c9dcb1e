# Shortcuts; every target is a script or go command you can run yourself.
# CI runs bash .ci/run, which calls the same scripts.

VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
GO      ?= go

.PHONY: build test test-gate test-install release snapshot goreleaser-check clean

## build: bin/conform and bin/reflistener for this machine, version stamped
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X main.version=$(VERSION) -X main.commit=$(COMMIT)" -o bin/conform ./cmd/conform
	CGO_ENABLED=0 $(GO) build -trimpath -o bin/reflistener ./cmd/reflistener

## test: the test command README.md gives
test:
	$(GO) test ./...

## test-gate: the CI gate scripts (gate.sh, action-run.sh) end to end
test-gate:
	bash scripts/test-gate.sh

## test-install: go install …/cmd/conform@latest from a clean module cache via a local proxy
test-install:
	bash scripts/test-install.sh

## release VERSION=v0.1.0: six static binaries + SHA256SUMS in dist/VERSION (clean tree, action.yml pinned to VERSION)
release:
	@case "$(VERSION)" in v[0-9]*.[0-9]*.[0-9]*) ;; *) echo "make release needs VERSION=vX.Y.Z (got '$(VERSION)')" >&2; exit 2 ;; esac
	bash scripts/release.sh --strict $(VERSION)

## snapshot: the release build of the working tree, unchecked for cleanliness, in dist/snapshot
snapshot:
	bash scripts/release.sh v0.0.0-snapshot dist/snapshot

## goreleaser-check: validate .goreleaser.yaml (installs goreleaser v2.15.0 into bin/tools)
goreleaser-check:
	GOBIN=$(CURDIR)/bin/tools $(GO) install github.com/goreleaser/goreleaser/v2@v2.15.0
	bin/tools/goreleaser check

clean:
	rm -rf bin dist
