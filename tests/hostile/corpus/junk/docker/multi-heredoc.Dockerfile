FROM alpine:3.20
RUN <<FIRST cat > /a && <<'SECOND' cat > /b
first body
FIRST
second $body
SECOND
COPY <<EOF /etc/app.conf
key=value
EOF
