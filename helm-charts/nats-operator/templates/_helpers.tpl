{{- /*
nats-operator.fullname: the prefix of every object name, the release name
when it already says nats-operator. Cluster-scoped objects (ClusterRoles and
their bindings) carry it too, so two releases never collide.
*/}}
{{- define "nats-operator.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end }}

{{- define "nats-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
control-plane: controller-manager
{{- end }}

{{- define "nats-operator.labels" -}}
{{ include "nats-operator.selectorLabels" . }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end }}

{{- define "nats-operator.serviceAccountName" -}}
{{- default (include "nats-operator.fullname" .) .Values.serviceAccount.name -}}
{{- end }}

{{- define "nats-operator.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion (toString .Values.image.tag)) -}}
{{- end }}

{{- /*
nats-operator.watchNamespaces: the namespaces the operator watches, as a
JSON list; empty when clusterScoped (all namespaces). Setting both is a
mistake the chart refuses rather than guessing.
*/}}
{{- define "nats-operator.watchNamespaces" -}}
{{- if and .Values.clusterScoped .Values.watchNamespaces -}}
{{- fail "clusterScoped: true watches every namespace; leave watchNamespaces empty, or set clusterScoped: false" -}}
{{- end -}}
{{- if .Values.clusterScoped -}}
[]
{{- else -}}
{{- default (list .Release.Namespace) .Values.watchNamespaces | uniq | toJson -}}
{{- end -}}
{{- end }}

{{- /*
nats-operator.rules: the rules `make bundle` generated from config/rbac,
keyed watched (every watched namespace), own (the release namespace) and
cluster (cluster-scoped APIs).
*/}}
{{- define "nats-operator.rules" -}}
{{- .Files.Get "files/rbac-rules.yaml" -}}
{{- end }}
