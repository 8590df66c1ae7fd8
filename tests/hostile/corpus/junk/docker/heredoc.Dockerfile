# syntax=docker/dockerfile:1.4
FROM python:3.12-slim
RUN <<EOF
apt-get update
apt-get install -y curl
EOF
USER 1000
CMD ["python", "-m", "app"]
