{{/* Labels every object carries. */}}
{{- define "l4l.labels" -}}
app.kubernetes.io/part-of: l4l
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ .Chart.Name }}-{{ .Chart.Version | replace "+" "_" }}
{{- end }}

{{/* A service's selector labels; call with (dict "root" $ "name" $name). */}}
{{- define "l4l.selector" -}}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
{{- end }}

{{- define "l4l.serviceLabels" -}}
{{ include "l4l.labels" .root }}
app.kubernetes.io/name: {{ .name }}
app.kubernetes.io/component: api
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
{{- end }}

{{/* A service's settings: the defaults overridden by its entry. Returns YAML. */}}
{{- define "l4l.service" -}}
{{- toYaml (mergeOverwrite (deepCopy .root.Values.defaults) (deepCopy .cfg)) }}
{{- end }}

{{- define "l4l.fullname" -}}
{{ .root.Release.Name }}-{{ .name }}
{{- end }}

{{- define "l4l.image" -}}
{{- if .svc.image -}}
{{ .svc.image }}
{{- else -}}
{{ .root.Values.image.registry }}/{{ .name }}:{{ .root.Values.image.tag | default .root.Chart.AppVersion }}
{{- end -}}
{{- end }}

{{/* The Secret and key holding the MongoDB connection string. */}}
{{- define "l4l.mongoSecretName" -}}
{{- if .Values.mongo.existingSecret -}}{{ .Values.mongo.existingSecret }}{{- else -}}{{ .Release.Name }}-mongodb{{- end -}}
{{- end }}
{{- define "l4l.mongoSecretKey" -}}
{{- if .Values.mongo.existingSecret -}}{{ .Values.mongo.existingSecretKey }}{{- else -}}uri{{- end -}}
{{- end }}

{{- define "l4l.kafkaBootstrap" -}}
{{- if .Values.kafka.bootstrapServers -}}
{{ .Values.kafka.bootstrapServers }}
{{- else if .Values.kafka.strimzi.cluster -}}
{{ .Values.kafka.strimzi.cluster }}-kafka-bootstrap:9092
{{- else -}}
{{ fail "kafka: set kafka.bootstrapServers or kafka.strimzi.cluster" }}
{{- end -}}
{{- end }}
