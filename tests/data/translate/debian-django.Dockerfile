FROM python:3.12-alpine

ENV PYTHONUNBUFFERED=1 \
    LANG=en_US.UTF-8 \
    LC_ALL=en_US.UTF-8

# hadolint ignore=DL3018
RUN apk add --no-cache \
      gettext \
      libpq

RUN adduser -D -u 1000 -s /bin/sh django

WORKDIR /home/django/app
COPY requirements.txt .
# Versions are not pinned: Debian versions do not carry over to Alpine (alpine-ready translate).
# hadolint ignore=DL3018
RUN apk add --no-cache --virtual .build-deps gcc libc-dev libpq-dev linux-headers \
 && pip install --no-cache-dir -r requirements.txt \
 && apk del --no-network .build-deps
COPY --chown=django:django . .
USER django
RUN python manage.py compilemessages
CMD ["gunicorn", "mysite.wsgi:application", "--bind", "0.0.0.0:8000"]
