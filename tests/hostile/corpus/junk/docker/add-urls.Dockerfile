FROM alpine:3.20
ADD https://example.com/file.tar.gz /tmp/
ADD --checksum=sha256:0000 https://example.com/x /x
ADD git@github.com:example/repo.git /src
