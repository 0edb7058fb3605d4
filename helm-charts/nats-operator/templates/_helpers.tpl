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
{{- fail "watchNamespaces needs clusterScoped: false (clusterScoped: true, the default, watches every namespace): add --set clusterScoped=false, or leave watchNamespaces empty" -}}
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
cluster (cluster-scoped APIs); without tokenSecrets, no serviceaccounts/token.
*/}}
{{- define "nats-operator.rules" -}}
{{- $rules := .Files.Get "files/rbac-rules.yaml" | fromYaml -}}
{{- if not .Values.tokenSecrets -}}
{{- $watched := list -}}
{{- range $rules.watched }}{{ if not (has "serviceaccounts/token" .resources) }}{{ $watched = append $watched . }}{{ end }}{{ end -}}
{{- $_ := set $rules "watched" $watched -}}
{{- end -}}
{{- toYaml $rules -}}
{{- end }}

{{- /*
nats-operator.createNamespace: non-empty when the release must create the
watched namespace (list $ $ns): it does not exist yet, or this release
created it (so that an upgrade keeps it in the manifest). Never the release
namespace, which Helm handles (--create-namespace). Offline (helm template)
lookup finds nothing, so every other watched namespace is rendered.
*/}}
{{- define "nats-operator.createNamespace" -}}
{{- $top := index . 0 -}}
{{- $ns := index . 1 -}}
{{- if ne $ns $top.Release.Namespace -}}
{{- $found := lookup "v1" "Namespace" "" $ns -}}
{{- $owner := dig "metadata" "annotations" "meta.helm.sh/release-name" "" $found -}}
{{- $ownerNS := dig "metadata" "annotations" "meta.helm.sh/release-namespace" "" $found -}}
{{- if or (not $found) (and (eq $owner $top.Release.Name) (eq $ownerNS $top.Release.Namespace)) -}}
true
{{- end -}}
{{- end -}}
{{- end }}
