FROM alpine:3.20
FOO bar baz
MAINTAINER someone@example.com
NOTANINSTRUCTION
