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
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

clean:
	rm -rf .build
