# Two set-up commands (README Quick start):
#   make serve   install, ingest the bundled corpus into ./data, serve on http://127.0.0.1:8000
#   make test    install with test extras (and the browser for the page test), run every test
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
STORE  ?= data

.PHONY: serve test install install-test web-assets browser clean

serve: install web-assets
	$(BIN)/policykg ingest corpus/ --store $(STORE)
	$(BIN)/policykg serve --store $(STORE) --host $(HOST) --port $(PORT)

test: install-test web-assets browser
	$(BIN)/pytest

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

# The web page's JavaScript (YASGUI, cytoscape) comes from the npm registry.
web-assets:
	@if [ -f package-lock.json ]; then npm ci --no-audit --no-fund --loglevel=error; \
	elif [ -f package.json ]; then npm install --no-audit --no-fund --loglevel=error; fi

# Headless Chromium for the browser test of the page, and Virtuoso for the remote-store tests
# (Debian packages; CJK fonts so the screenshots show Chinese). The tests start their own
# Virtuoso, so the service the package may start is stopped (one that was there is left alone).
browser:
	@{ command -v chromium >/dev/null 2>&1 && [ -d /usr/share/fonts/opentype/noto ] && command -v virtuoso-t >/dev/null 2>&1; } || { \
	  (command -v sudo >/dev/null 2>&1 && [ "$$(id -u)" != 0 ] && SUDO=sudo || SUDO=""; HAD_VIRTUOSO=$$(command -v virtuoso-t); \
	   $$SUDO apt-get update -qq && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk virtuoso-opensource >/dev/null \
	   && { [ -n "$$HAD_VIRTUOSO" ] || $$SUDO service virtuoso-opensource-7 stop >/dev/null 2>&1 || true; }) \
	  || echo "warning: could not install chromium or virtuoso; the browser and Virtuoso tests will say why they skipped"; }

clean:
	rm -rf $(VENV) $(STORE) node_modules
