{{- define "tenant-operator.labels" -}}
app.kubernetes.io/name: tenant-operator
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: l4l
{{- end }}
{{- define "tenant-operator.selector" -}}
app.kubernetes.io/name: tenant-operator
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}
