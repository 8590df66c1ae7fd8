{{/* Base name of every object: <release>-shop, or nameOverride. */}}
{{- define "shop.base" -}}
{{- if .Values.nameOverride -}}
{{- .Values.nameOverride | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels that select the API pods. Never change them after the first install. */}}
{{- define "shop.apiSelector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: api
{{- end -}}

{{- define "shop.metaLabels" -}}
{{ include "shop.apiSelector" . }}
app.kubernetes.io/version: {{ .Values.api.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version }}
{{- end -}}
