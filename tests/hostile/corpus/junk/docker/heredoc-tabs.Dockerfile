FROM alpine:3.20
RUN <<-EOT
	echo one
	echo two
	EOT
CMD ["sh"]
