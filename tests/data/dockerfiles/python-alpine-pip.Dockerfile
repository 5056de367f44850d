# A Python service moved to Alpine: some pins have musllinux wheels, some build from
# source, one has no musl build at all.
FROM python:3.12-alpine AS wheels
RUN pip wheel --no-cache-dir --wheel-dir /wheels orjson==3.13.0
RUN pip install --no-cache-dir duckdb==2.0.1

FROM python:3.12-alpine
RUN apk add --no-cache build-base mariadb-dev \
 && pip install --no-cache-dir mysqlclient==2.3.2 numpy==2.5.5
RUN pip install --no-cache-dir torch==2.15.0 six==1.16.0 "pydantic-core==2.50.5" -r requirements.txt
COPY --from=wheels /wheels /wheels
RUN pip install --no-cache-dir --no-index --find-links /wheels orjson==3.13.0
CMD ["python", "-m", "app"]
