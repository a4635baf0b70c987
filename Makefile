# The two commands a newcomer needs:
#   make run    set up a virtual environment and start the app
#   make test   set up (with the test tools) and run every test
# Everything lives in .venv; delete it to start again.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-fast lint generate frontend published-examples bench bench-load bench-journey clean

$(VENV)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# GOV.UK Frontend's styles, compiled from the npm package pinned in frontend/package-lock.json
# (node and npm: see the README). The compiled file is committed, so the wheel, and a clone
# without npm, carry it; this remakes it whenever frontend/ changes.
FRONTEND_CSS := app/forethought/web/static/govuk-frontend.css
$(FRONTEND_CSS): frontend/package.json frontend/package-lock.json frontend/forethought.scss
	@if command -v npm >/dev/null 2>&1; then \
	  cd frontend && npm ci --no-audit --no-fund --ignore-scripts --silent && cd .. && \
	  frontend/node_modules/.bin/sass --load-path=frontend/node_modules --style=compressed --no-source-map \
	    frontend/forethought.scss $@; \
	else echo "npm is not installed: using the compiled $@ as committed"; touch $@; fi

frontend: $(FRONTEND_CSS)

run: $(VENV)/.installed $(FRONTEND_CSS)
	$(BIN)/forethought banks
	$(BIN)/forethought serve

# The tests run on every core (pytest-xdist); the browser tests then run one at a time,
# since a browser waiting on a busy machine is the one thing that goes flaky.
test: $(VENV)/.installed-test $(FRONTEND_CSS)
	$(BIN)/python -m pytest -n auto -m "not browser"
	$(BIN)/python -m pytest -m browser

# Everything but the browser, the wheel builds, the live servers and LibreOffice, with a quarter of the
# property tests' examples: for the edit-test loop.
test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n auto -m "not browser and not slow" --hypothesis-profile=fast

# ruff lints and checks formatting (`ruff format` fixes it); mypy checks the engine's types.
lint: $(VENV)/.installed-test
	$(BIN)/ruff check app tests bench
	$(BIN)/ruff format --check app tests bench
	$(BIN)/mypy

# Regenerate the example registers and docs/banks.md after changing a bank, the
# engine or a template in reports/. The tests fail until you do.
generate: $(VENV)/.installed
	$(BIN)/forethought trust-bundled
	$(BIN)/forethought bank-docs -o docs/banks.md
	$(BIN)/forethought draft-docs atrs -o docs/atrs.md
	$(BIN)/forethought draft-docs dpia -o docs/dpia.md
	$(BIN)/forethought atrs examples/welfare-fraud-risk-scoring.json -o examples/drafts/welfare-fraud-risk-scoring.atrs.md
	$(BIN)/forethought dpia examples/welfare-fraud-risk-scoring.json -o examples/drafts/welfare-fraud-risk-scoring.dpia.md
	$(BIN)/forethought calibrate examples/calibration -o docs/calibration.md
	for f in examples/*.json; do \
	  $(BIN)/forethought register "$$f" -o "$${f%.json}.md" || exit 1; \
	done
	$(BIN)/python scripts/screenshots.py
	$(BIN)/python scripts/journey_screenshots.py

# The published examples are made once, like real publications: they are not
# remade when the banks change, because an old publication must still verify.
PUBLISH := $(BIN)/forethought publish
published-examples: $(VENV)/.installed
	$(PUBLISH) examples/cctv-upgrade.json -o examples/published/cctv-upgrade.v1.json --series anytown-cctv \
	  --name "Sam Patel" --role "Director of Place" --decision proceed_with_conditions --date 2026-11-30 \
	  --note "Proceed once the privacy masking is tested." --published-at 2026-12-01T09:00:00+00:00
	$(PUBLISH) examples/published/sources/cctv-upgrade-delivery.json -o examples/published/cctv-upgrade.v2.json \
	  --previous examples/published/cctv-upgrade.v1.json --name "Sam Patel" --role "Director of Place" \
	  --decision proceed --date 2027-06-20 --published-at 2027-06-21T09:00:00+00:00 \
	  --withhold "/banks/surveillance/answers/SV-13/note=Refers to requests from named police investigations"
	$(PUBLISH) examples/high-risk-surveillance.json -o examples/published/town-centre-lfr.v1.json --series northshire-lfr \
	  --name "Alex Morgan" --role "Deputy Chief Constable" --decision do_not_proceed --date 2026-11-28 \
	  --note "Not without a clear legal footing and independent accuracy tests." --published-at 2026-11-29T12:00:00+00:00
	$(PUBLISH) examples/welfare-fraud-risk-scoring.json -o examples/published/welfare-risk-model.v1.json --series dfe-welfare-model \
	  --name "Chris Evans" --role "Senior Responsible Owner" --decision proceed_with_conditions --date 2026-10-30 \
	  --published-at 2026-11-02T10:00:00+00:00
	$(BIN)/forethought withdraw examples/published/welfare-risk-model.v1.json \
	  --reason "Published before the fairness analysis was finished; a new version will follow."

bench: $(VENV)/.installed
	$(BIN)/python bench/bench_startup.py
	$(BIN)/python bench/bench_engine.py
	$(BIN)/python bench/bench_web.py
	$(BIN)/python bench/bench_public.py

bench-load: $(VENV)/.installed
	$(BIN)/python bench/load.py

# Pages and clicks of a new user's journey in chromium (needs the test tools and Debian's chromium).
bench-journey: $(VENV)/.installed-test $(FRONTEND_CSS)
	$(BIN)/python bench/journey.py
	$(BIN)/python bench/journey.py --owners

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis dist build
