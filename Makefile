# The two front-door commands (see README.md): `make book` and `make test`.
# Both set up everything from this repository's own files first; nothing is installed by hand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
BOOK_SOURCES := _config.yml _toc.yml references.bib index.md $(wildcard chapters/*) \
                $(wildcard optlib/*.py optlib/*/*.py) $(wildcard _ext/*)

# One BLAS thread: the same floating-point sums on every run (threaded BLAS may reorder them),
# and no oversubscription of a shared 2-core machine. Notebook kernels inherit it.
export OPENBLAS_NUM_THREADS := 1
export OMP_NUM_THREADS := 1

.PHONY: book test test-browser test-processors setup assets lite browser lint clean

setup: $(VENV)/.installed

# Re-install whenever the project's dependency list changes.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[book,test,lite]'
	touch $@

# MathJax and the widget manager, from the npm registry (package-lock.json), into _vendor/.
assets: setup
	$(BIN)/python _ext/vendor_assets.py

# The chapters in the reader's browser: a JupyterLite site with Pyodide (npm, via assets) and
# hash-verified wheels, into _build/lite-cache/ (see _ext/lite.py). Without an input it says why,
# and the book is built without its "Run in your browser" buttons.
lite: setup assets
	$(BIN)/python _ext/lite.py

# Headless Chromium for the site check (Debian's package; needs root, as on CI).
browser:
	@command -v chromium >/dev/null || { apt-get update -qq && apt-get install -y -qq chromium; }

BUILD := $(BIN)/jupyter-book build . -W -n --keep-going

# A failed build leaves Sphinx's environment behind, and the next run would find nothing out of
# date and succeed without repeating the warnings: a failed build forgets what it read.
FORGET_ON_FAILURE := || { rm -rf _build/.doctrees _build/.built; exit 1; }

book: setup assets lite
	$(BUILD) $(FORGET_ON_FAILURE)
	@touch _build/.built
	@echo "The book is in $(CURDIR)/_build/html (open _build/html/index.html)"

# The test suite's site check reads the built book: rebuild it only when a source changed.
_build/.built: $(BOOK_SOURCES) | setup assets lite
	$(BUILD) $(FORGET_ON_FAILURE)
	@touch $@

lint: setup
	$(BIN)/ruff check .

test: lint browser _build/.built
	$(BIN)/python -m pytest

# Every chapter run to the end in the browser runtime, as `make test` runs the shortest there
# (tests/test_lite.py; about 20 minutes on 2 cores). Times in _build/lite-check.json.
test-browser: browser _build/.built
	LITE_CHAPTERS=all $(BIN)/python -m pytest tests/test_lite.py -k in_the_browser

# Every chapter under the arithmetic of other processors: OpenBLAS's and numpy's kernels for an
# AVX2 machine, then for the x86-64 baseline (the build uses the best this machine has, and a
# CI machine may have another). Training far past stability amplifies the last bits of a sum,
# so a check with too thin a margin fails here first. About 10 minutes each on 2 cores.
test-processors: setup
	OPENBLAS_CORETYPE=Haswell NPY_DISABLE_CPU_FEATURES="X86_V4 AVX512_ICL AVX512_SPR" \
		$(BIN)/python -m pytest chapters
	OPENBLAS_CORETYPE=Nehalem NPY_DISABLE_CPU_FEATURES="X86_V3 X86_V4 AVX512_ICL AVX512_SPR" \
		$(BIN)/python -m pytest chapters

clean:
	rm -rf _build _vendor node_modules $(VENV) .pytest_cache .ruff_cache .hypothesis
