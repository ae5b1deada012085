# The gateway serving every example (examples/all.py) on port 8000.
#
#   docker build -t remoting-gateway .
#   docker run --rm -p 8000:8000 remoting-gateway
#
# Linted by tests/test_dockerfile.py with hadolint.
# The wheel is built where there is a C compiler (python:3.11; the slim image has none), so the image gets
# the compiled soap._int_lists (setup.py); the running image stays slim.
FROM python:3.11 AS build
WORKDIR /src
COPY pyproject.toml setup.py README.md ./
COPY gateway ./gateway
COPY soap ./soap
COPY wsdl ./wsdl
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /wheels .

FROM python:3.11-slim

# MALLOC_*: glibc keeps a large message's buffers for the next call instead of faulting fresh pages in on every
# call (gateway/allocator.py, docs/deployment.md)
ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    MALLOC_MMAP_THRESHOLD_=4194304 \
    MALLOC_TRIM_THRESHOLD_=67108864

RUN groupadd --system --gid 10001 app \
    && useradd --system --uid 10001 --gid app --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin app

WORKDIR /app

# The library first (its dependencies change less often than the examples), then the examples, which uvicorn
# imports from the working directory. Versions come from pyproject.toml's ranges.
COPY --from=build /wheels /wheels
RUN pip install --no-cache-dir /wheels/*.whl \
    && rm -rf /wheels
COPY examples ./examples

USER 10001:10001
EXPOSE 8000
# GET /healthz answers 200 ok without credentials (gateway/server/health.py); the image has no curl.
HEALTHCHECK --interval=30s --timeout=5s --start-period=5s \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=3)"]
CMD ["uvicorn", "examples.all:app", "--host", "0.0.0.0", "--port", "8000"]
