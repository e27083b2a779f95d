# The two commands of the README: `make run` and `make test`.
SHELL := /bin/bash
SWIFT ?= swift
CLIP ?=

.PHONY: run test build release setup setup-test clean

setup:
	@scripts/setup.sh

setup-test:
	@scripts/setup.sh --test

release: setup
	$(SWIFT) build -c release --product litevl

## Build and open the TUI on the bundled demo clip with the bundled model.
run: release
	.build/release/litevl $(CLIP)

## The whole test suite (what CI runs).
test: setup-test
	@mkdir -p .build
	$(SWIFT) build --build-tests 2>&1 | tee .build/build.log; test $${PIPESTATUS[0]} -eq 0
	@# Swift 6 strict concurrency with zero warnings (pkg-config's -D flags, which SwiftPM drops, aside).
	@if grep -E "warning:" .build/build.log | grep -v "prohibited flag" | grep -q .; then \
		echo "make test: the build has warnings (see above); fix them"; exit 1; fi
	$(SWIFT) test --skip-build

clean:
	rm -rf .build
