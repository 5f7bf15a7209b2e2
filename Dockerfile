# syntax=docker/dockerfile:1
# GOV.UK Frontend for the console, from the npm registry at the version package-lock.json pins.
FROM node:20-slim AS frontend
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund

# The console's API clients, generated from the committed OpenAPI documents.
FROM python:3.11-slim AS sdks
WORKDIR /app
COPY pyproject.toml README.md ./
COPY shared/ ./shared/
COPY services/ ./services/
RUN pip install --no-cache-dir . "openapi-python-client>=0.21" \
    && PYTHONPATH=/app python -c "from services.console import sdks; sdks.generate()" \
    && pip wheel --no-cache-dir --no-deps -w /wheels build/sdks/registry build/sdks/assessment build/sdks/commissioning

# One image for every strongtrusts process; docker-compose.yml picks the process per service
# (`strongtrusts db upgrade`, `strongtrusts serve registry|assessment|commissioning`).
FROM python:3.11-slim

# PYTHONPATH: import the code from /app rather than site-packages, so settings.PROJECT_ROOT
# is /app and migrate.py finds /app/alembic.ini (which is not package data).
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONPATH=/app

WORKDIR /app

RUN groupadd --system --gid 10001 strongtrusts \
    && useradd --system --uid 10001 --gid strongtrusts --home-dir /app --no-create-home \
       --shell /usr/sbin/nologin strongtrusts

# Runtime dependencies only (no [dev] extra). The code stays owned by root: read-only to the app.
COPY pyproject.toml README.md alembic.ini ./
COPY migrations/ ./migrations/
COPY shared/ ./shared/
COPY services/ ./services/
COPY --from=sdks /wheels /wheels
COPY --from=frontend /build/node_modules/govuk-frontend/dist/govuk ./node_modules/govuk-frontend/dist/govuk
RUN pip install . /wheels/*.whl && rm -rf build ./*.egg-info /wheels

USER strongtrusts:strongtrusts

EXPOSE 8000

# Liveness only; compose overrides this per service to probe /readyz on the service's port.
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3)"]

CMD ["strongtrusts", "serve", "registry", "--port", "8000", "--host", "0.0.0.0"]
