ARG A=$B
ARG B=$A
FROM ${A}${B}
