# Two commands: `make demo` (set up, load the District 7 sample, serve the map on :8000)
# and `make test` (set up, run the whole suite). Both install what they need first.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test setup system-packages lock

demo: setup
	$(BIN)/urbanmap demo

test: setup
	$(BIN)/pytest

setup: system-packages $(VENV)/.installed node_modules/.installed

# PostgreSQL + PostGIS + pgRouting and GDAL from Debian's packages, when they are missing;
# also npm (for the web map's JavaScript) and Chromium (the web map's browser test). A
# Node.js already installed (often not Debian's) is kept: Debian's npm would clash with it.
system-packages:
	@if [ -x "$$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)/pg_ctl" ] \
	   && ls /usr/share/postgresql/*/extension/postgis.control >/dev/null 2>&1 \
	   && ls /usr/share/postgresql/*/extension/pgrouting.control >/dev/null 2>&1 \
	   && command -v ogrinfo >/dev/null && command -v npm >/dev/null \
	   && [ -f /usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py ] \
	   && command -v chromium >/dev/null; then \
	  echo "system packages: present"; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  apt-get update -qq && \
	  pg=$$(apt-cache depends postgresql | grep -o 'postgresql-[0-9]*' | head -1) && \
	  web=""; command -v npm >/dev/null || web="nodejs npm"; \
	  command -v chromium >/dev/null || web="$$web chromium"; \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    "$$pg" "$$pg-postgis-3" "$$pg-pgrouting" postgresql-contrib gdal-bin python3-gdal \
	    python3-venv make $$web >/dev/null; \
	else \
	  echo "urbanmap needs PostgreSQL with PostGIS 3 and pgRouting, and GDAL. On Debian run:"; \
	  echo "  sudo apt-get install postgresql-15-postgis-3 postgresql-15-pgrouting gdal-bin python3-gdal \\"; \
	  echo "    nodejs npm chromium"; \
	  echo "or set DATABASE_URL to an existing PostGIS 3 server."; \
	  [ -n "$$DATABASE_URL" ]; \
	fi

$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -c constraints.txt -e '.[test]'
	touch $@

# New pins: the newest releases pyproject.toml admits, resolved in a venv of their own; run
# `make test` after (the venv is rebuilt from the new pins) and commit both if it passes.
lock:
	rm -rf .venv-lock
	$(PYTHON) -m venv .venv-lock
	.venv-lock/bin/pip install -q --upgrade pip
	.venv-lock/bin/pip install -q -e '.[test]'
	{ sed -n '/^#/p' constraints.txt; .venv-lock/bin/pip freeze --exclude-editable; } > constraints.new
	mv constraints.new constraints.txt
	rm -rf .venv-lock

# The web map's JavaScript and CSS (MapLibre GL JS), pinned by package-lock.json and served
# by urbanmap itself: the map never loads anything from a CDN.
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund
	touch $@
