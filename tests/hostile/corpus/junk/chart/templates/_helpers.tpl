{{- define "junk.fullname" -}}
{{ .Release.Name }}-junk
{{- end -}}
