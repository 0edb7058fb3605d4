{{- /*
nats-cluster.name: the NatsCluster's name, which is the release name. Every
object name derives from it, exactly as nats-operator named them.
*/}}
{{- define "nats-cluster.name" -}}
{{- .Release.Name -}}
{{- end }}

{{- define "nats-cluster.mgmtName" -}}
{{- printf "%s-mgmt" .Release.Name -}}
{{- end }}

{{- define "nats-cluster.configName" -}}
{{- printf "%s-config" .Release.Name -}}
{{- end }}

{{- /*
nats-cluster.selectorLabels: the labels nats-operator put on its pods. They
select pods in the StatefulSet and both Services, so they must never change
(a StatefulSet selector is immutable).
*/}}
{{- define "nats-cluster.selectorLabels" -}}
app: nats
nats_cluster: {{ .Release.Name | quote }}
{{- end }}

{{- /*
nats-cluster.labels: labels of every object the chart renders.
nats.io/managed-by lets the operator's cache hold only its own objects
(Helm itself sets app.kubernetes.io/managed-by: Helm).
*/}}
{{- define "nats-cluster.labels" -}}
{{ include "nats-cluster.selectorLabels" . }}
app.kubernetes.io/name: nats
app.kubernetes.io/instance: {{ .Release.Name | quote }}
app.kubernetes.io/component: nats
nats.io/managed-by: nats-operator
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | quote }}
{{- end }}

{{- /*
nats-cluster.image: the NATS server image reference.
*/}}
{{- define "nats-cluster.image" -}}
{{- if .Values.image.ref -}}
{{- .Values.image.ref -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (toString .Values.image.tag) -}}
{{- end -}}
{{- end }}

{{- /*
nats-cluster.secretVolumes: the Secret volumes the NATS container mounts, as
a YAML list of {name, secret, path}: TLS per protocol, the operator JWT and
the operator-written auth Secret.
*/}}
{{- define "nats-cluster.secretVolumes" -}}
{{- $out := list -}}
{{- range $proto, $name := dict "client" "server-tls-certs" "routes" "routes-tls-certs" "gateway" "gateway-tls-certs" "leafnodes" "leafnode-tls-certs" "websocket" "websocket-tls-certs" -}}
{{- $t := get $.Values.tls $proto -}}
{{- if $t.secret -}}
{{- $out = append $out (dict "name" $name "secret" $t.secret "path" $t.dir) -}}
{{- end -}}
{{- end -}}
{{- with .Values.operatorJWT.secret -}}
{{- $out = append $out (dict "name" "operator-jwt" "secret" . "path" $.Values.generated.paths.operatorJWTDir) -}}
{{- end -}}
{{- with .Values.auth.secretName -}}
{{- $out = append $out (dict "name" "auth" "secret" . "path" $.Values.generated.paths.authDir) -}}
{{- end -}}
{{- toYaml $out -}}
{{- end }}
