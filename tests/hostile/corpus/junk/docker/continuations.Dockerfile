FROM python:3.12-slim
RUN apt-get update \
    # a comment inside a continuation
    && apt-get install -y \
       curl \
       git \

    && rm -rf /var/lib/apt/lists/*
ENV A=1 \
    B=2
CMD python -m \
    app
