FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml README.md ./
COPY gis gis
COPY tiles tiles
COPY api api
COPY data data
COPY scripts scripts
RUN python scripts/fetch_assets.py && pip install --no-cache-dir -e .
# No secret has a default here: the entry point refuses to start without
# WANGGE_SECRET_KEY and WANGGE_DATABASE_URL, or with a default key or password.
ENTRYPOINT ["sh", "/app/scripts/docker-entrypoint.sh"]
EXPOSE 8000
CMD ["wangge", "serve", "--host", "0.0.0.0", "--port", "8000"]
