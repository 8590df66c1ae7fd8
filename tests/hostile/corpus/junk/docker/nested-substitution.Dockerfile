ARG X=${A:-${B:-${C:-${D:-deep}}}}
FROM ${X}:${X}
ENV PATH=${PATH}:/x USER=${USER:-root}
