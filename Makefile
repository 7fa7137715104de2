# make book   build the book (PROFILE=smoke|cpu|paper, default cpu); prints the path of index.html
# make test   run the test suite, which includes a smoke build of the whole book
PROFILE ?= cpu
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
CHAPTERS := $(sort $(wildcard notebooks/[0-9]*.py))
# The execution page reports on the build itself (parameter set, versions, hardware, each
# chapter's time), so it runs on every build, and last: its name sorts after every chapter's.
EXECUTION_PAGE := 99_execution
OUT := _build/$(PROFILE)
# The parameter sets ship inside the package, so an installed dnaexplain finds them too.
PROFILES := src/dnaexplain/profiles

# Offline data: a mirror beside the checkout is used when DNAEXPLAIN_DATA_MIRROR is not set.
export DNAEXPLAIN_DATA_MIRROR ?= $(wildcard $(abspath ../shared/data))
# Results and the numba cache outlive a build so a second one reuses them.
export DNAEXPLAIN_CACHE ?= $(CURDIR)/.cache/results
export NUMBA_CACHE_DIR ?= $(CURDIR)/.cache/numba
# Keep freed memory in the process: page faults dominate tensor work on small VMs.
export MALLOC_MMAP_THRESHOLD_ ?= 33554432
export MALLOC_TRIM_THRESHOLD_ ?= 17179869184
export MALLOC_TOP_PAD_ ?= 268435456

.PHONY: book test env data chapters notebooks bench clean

env: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	@command -v $(PYTHON) >/dev/null || { echo "needs $(PYTHON) (set PYTHON=...)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e ".[book,dev]"
	touch $@

# The profile's datasets, from the mirror or downloaded (training splits follow when published).
data: env
	$(BIN)/python -m dnaexplain.data fetch --split test $$($(BIN)/python -c \
	  "import yaml; print(' '.join(yaml.safe_load(open('$(PROFILES)/$(PROFILE).yml'))['datasets']))")

# Execute the chapters with papermill under $(PROFILES)/$(PROFILE).yml into book/chapters/: only
# those whose source, parameters or library code changed since their last run (a stamp holds
# the digest, see dnaexplain.cache.chapter_key), and always the execution page; FORCE=1 runs
# them all.
chapters: data
	@mkdir -p book/chapters .cache/ipynb .cache/stamps
	@set -e; for src in $(CHAPTERS); do \
	  name=$$(basename $$src .py); \
	  key=$$($(BIN)/python -m dnaexplain.cache chapter-key $$src $(PROFILES)/$(PROFILE).yml); \
	  stamp=.cache/stamps/$$name; \
	  if [ -z "$(FORCE)" ] && [ "$$name" != "$(EXECUTION_PAGE)" ] \
	     && [ -f book/chapters/$$name.ipynb ] && [ -f $$stamp ] \
	     && [ "$$(cat $$stamp)" = "$$key" ]; then echo "== $$name ($(PROFILE)): unchanged"; continue; fi; \
	  echo "== $$name ($(PROFILE))"; start=$$(date +%s); rm -f $$stamp; \
	  $(BIN)/jupytext --quiet --to ipynb -o .cache/ipynb/$$name.ipynb $$src; \
	  $(BIN)/papermill --cwd notebooks -k python3 --language python --no-progress-bar \
	    -p profile $(PROFILE) .cache/ipynb/$$name.ipynb book/chapters/$$name.ipynb; \
	  echo "$$key" > $$stamp; \
	  echo "   $$name: $$(( $$(date +%s) - start )) s"; \
	done

book: chapters
	$(BIN)/jupyter-book build . --path-output $(OUT) --quiet
	@echo "Book: $(CURDIR)/$(OUT)/_build/html/index.html"

test: env
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest

# Paired .ipynb copies of the chapters, to open and edit in Jupyter (the .py stays the source).
notebooks: env
	$(BIN)/jupytext --sync notebooks/[0-9]*.py --set-formats ipynb,py:percent

bench: env
	@for b in benchmarks/*.py; do echo "== $$b"; $(BIN)/python $$b; done

clean:
	rm -rf _build book/chapters .cache/ipynb
