# stampclock — make help lists the targets.
GO       ?= go
BIN      := bin
# The release in the file VERSION plus the commits since (deploy/version.sh).
VERSION  ?= $(shell bash deploy/version.sh 2>/dev/null || echo 0.0.0+unknown)
BUILDDATE ?= $(shell date -u +%Y-%m-%d)
LDFLAGS  := -s -w -X main.version=$(VERSION) -X main.buildDate=$(BUILDDATE)
PKGS     := ./...

.PHONY: help demo test race bench lint build build-arm clean fuzz deb deb-test field-test upgrade-test fleet-test nodered-test
# An execution count, not a duration: with -fuzztime as a duration, go1.26
# can fail a target with a spurious "context deadline exceeded" when the
# deadline races a worker (golang/go#75804, fixed in go1.27).
FUZZTIME ?= 20000x
# package:target pairs run by `make fuzz` (each seeded with real cases).
FUZZ := ./device/config:FuzzParse ./device/control:FuzzDecodeRequest ./reader:FuzzParseUID \
        ./reader/wiegand:FuzzDecoder ./reader/keyboard:FuzzKeyboardDecoder ./reader/rdm6300:FuzzParser ./reader/pn532:FuzzParseFrame \
        ./uplink/zeiterfassung:FuzzParseLoginBody ./uplink/zeiterfassung:FuzzParseEntries ./uplink/zeiterfassung:FuzzErrorAnswer \
        ./uplink/blikk:FuzzParseErrorBody ./uplink/flowtly:FuzzParseErrorBody ./uplink/flowtly:FuzzParseList

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

build: ## build stampd, stampctl and zeitserver for this machine into bin/
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/ ./cmd/...

demo: build ## run stampd on local stand-ins: simulated taps -> queue -> local Zeiterfassung test server
	bash deploy/demo/demo.sh $(BIN)

test: ## run all tests (what CI runs): vet, unit/integration/end-to-end tests, bounded fuzzing
	$(GO) vet $(PKGS)
	$(GO) test -count=1 -timeout 15m $(PKGS)
	bash deploy/systemd/verify.sh
	$(MAKE) --no-print-directory fuzz

race: ## all tests under the race detector (needs cgo: gcc); CI runs it after make test (README "Development")
	$(GO) test -race -count=1 -timeout 30m $(PKGS)

fleet-test: ## the fleet test at full scale: 20 stampd, one mosquitto, faults, checked against its own pairing (README "Fleets")
	STAMPCLOCK_FLEET=full $(GO) test -count=1 -timeout 10m -run '^TestFleet_SharedShifts$$' -v ./cmd/stampd/

nodered-test: ## stampd's webhook uplink against a real Node-RED 4.1.8 and the example flow; npm installs it once, outside the repository (README "Webhook uplink")
	STAMPCLOCK_NODERED=install $(GO) test -count=1 -timeout 10m -run '^TestNodeRED_' -v ./uplink/webhook/

fuzz: ## run every fuzz target for FUZZTIME (default 20000 executions) each
	@for f in $(FUZZ); do \
	  pkg=$${f%%:*}; fn=$${f##*:}; \
	  echo "fuzz $$pkg $$fn ($(FUZZTIME))"; \
	  $(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 100x $$pkg >/tmp/fuzz-out.$$$$ 2>&1 || { cat /tmp/fuzz-out.$$$$; rm -f /tmp/fuzz-out.$$$$; exit 1; }; \
	  rm -f /tmp/fuzz-out.$$$$; \
	done

bench: ## run the benchmarks (figures in README.md)
	$(GO) test -run '^$$' -bench . -benchtime 2000x -count 1 ./device/agent/
	$(GO) test -run '^$$' -bench . -benchtime 1x -count 1 -timeout 30m ./uplink/zeiterfassung/ ./queue/
	$(GO) test -run '^$$' -bench 'RSSQueued100k|StampdDrain' -benchtime 1x -count 1 -timeout 30m ./cmd/stampd/
	$(GO) test -run '^$$' -bench StampdTapLatency -benchtime 2000x -count 1 ./cmd/stampd/
	$(GO) test -run '^$$' -bench Fleet -benchtime 1x -count 1 -timeout 30m ./cmd/stampd/
	$(GO) test -run '^$$' -bench . -benchtime 3x -count 1 ./uplink/mqtt/
	$(GO) test -run '^$$' -bench . -benchtime 3s -count 1 ./reader/mfrc522/ ./reader/wiegand/

lint: ## gofmt, go mod tidy (changes nothing), go vet, staticcheck
	@test -z "$$(gofmt -l .)" || (gofmt -l .; exit 1)
	$(GO) mod tidy -diff
	$(GO) vet $(PKGS)
	$(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2 $(PKGS)

build-arm: ## static binaries for the boards: linux/arm v6, v7 and linux/arm64 into bin/
	for t in arm:6 arm:7 arm64:; do \
	  arch=$${t%%:*}; arm=$${t##*:}; dir=$(BIN)/linux-$$arch$${arm:+v$$arm}; \
	  CGO_ENABLED=0 GOOS=linux GOARCH=$$arch GOARM=$$arm $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $$dir/ ./cmd/stampd ./cmd/stampctl || exit 1; \
	done

deb: build-arm ## .deb per architecture (amd64, arm64, armhf) into dist/
	CGO_ENABLED=0 GOOS=linux GOARCH=amd64 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(BIN)/linux-amd64/ ./cmd/stampd ./cmd/stampctl
	rm -f dist/stampclock_*.deb
	bash deploy/deb/mkdeb.sh amd64 $(VERSION) $(BIN)/linux-amd64 dist
	bash deploy/deb/mkdeb.sh arm64 $(VERSION) $(BIN)/linux-arm64 dist
	bash deploy/deb/mkdeb.sh armhf $(VERSION) $(BIN)/linux-armv6 dist

deb-test: deb ## as root on a scratch Debian machine (CI): install, check, purge the amd64 .deb
	bash deploy/deb/test-install.sh dist/stampclock_*_amd64.deb

field-test: ## as root: the .deb and the README's technician steps on a booted Debian (systemd-nspawn); see README "Field test"
	VERSION=$(VERSION) bash deploy/fieldtest/run.sh

upgrade-test: ## as root: an older release's .deb upgraded to this one (and back) with punches queued, on a booted Debian; see README "Upgrade test"
	VERSION=$(VERSION) bash deploy/fieldtest/upgrade.sh

clean: ## remove build output and demo state
	rm -rf $(BIN) dist demo-state build
