FROM python:3.12-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1

RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      build-essential \
      libpq-dev \
      libssl-dev \
      zlib1g-dev \
      locales \
 && sed -i 's/# en_US.UTF-8/en_US.UTF-8/' /etc/locale.gen && locale-gen \
 && rm -rf /var/lib/apt/lists/*

RUN groupadd --gid 1000 app && useradd --uid 1000 --gid app --create-home --shell /bin/bash app

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir --upgrade pip \
 && python3 -m pip install --no-cache-dir -r requirements.txt \
 && curl -fsSL -o /tmp/tool.tar.gz https://example.com/tool-1.0-x86_64-unknown-linux-gnu.tar.gz \
 && tar -xzf /tmp/tool.tar.gz -C /usr/local/bin

USER app
CMD ["gunicorn", "--bind", "0.0.0.0:8000", "app:app"]
