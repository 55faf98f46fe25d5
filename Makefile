# The two front-door commands (see README.md): `make book` and `make test`.
# Both set up .venv from this repository's own files first; nothing is installed by hand.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: book test setup lint clean

setup: $(VENV)/.installed

# Re-install whenever the project's dependency list changes.
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[book,test]'
	touch $@

book: setup
	@if [ -f _config.yml ]; then \
		$(BIN)/jupyter-book build . -W -n --keep-going && \
		echo "The book is in $(CURDIR)/_build/html/index.html"; \
	else \
		echo "optlib is installed in $(VENV); the book has no chapters yet, so there is nothing to build."; \
	fi

lint: setup
	$(BIN)/ruff check .

test: lint
	$(BIN)/python -m pytest

clean:
	rm -rf _build $(VENV) .pytest_cache .ruff_cache .hypothesis
