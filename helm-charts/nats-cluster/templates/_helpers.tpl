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
nats_cluster: {{ .Release.Name }}
{{- end }}

{{- /*
nats-cluster.labels: labels of every object the chart renders. managed-by
lets the operator's cache hold only its own objects.
*/}}
{{- define "nats-cluster.labels" -}}
{{ include "nats-cluster.selectorLabels" . }}
app.kubernetes.io/name: nats
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: nats
app.kubernetes.io/managed-by: nats-operator
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
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
nats-cluster.gen: what the server version understands, as YAML:
  binary        path of the server binary in the image
  clusterName   cluster.name is known (2.2+)
  healthz       /healthz exists (2.2+)
  lameDuck      lame-duck mode exists (1.3+)
Versions that do not parse (nightly, custom tags) are treated as current.
*/}}
{{- define "nats-cluster.gen" -}}
{{- $tag := toString .Values.image.tag | trimPrefix "v" -}}
{{- $v := toString (.Values.serverVersion | default $tag) | trimPrefix "v" -}}
{{- $major := 99 -}}
{{- $minor := 0 -}}
{{- $mm := regexFind "^[0-9]+\\.[0-9]+" $v -}}
{{- if $mm -}}
{{- $parts := splitList "." $mm -}}
{{- $major = atoi (index $parts 0) -}}
{{- $minor = atoi (index $parts 1) -}}
{{- end -}}
{{- $binary := "/nats-server" -}}
{{- if lt $major 2 -}}
{{- $binary = "/gnatsd" -}}
{{- else if hasPrefix "nightly" $tag -}}
{{- $binary = "/bin/nats-server" -}}
{{- else if contains "alpine" $tag -}}
{{- $binary = "nats-server" -}}
{{- end -}}
binary: {{ $binary }}
clusterName: {{ or (gt $major 2) (and (eq $major 2) (ge $minor 2)) }}
healthz: {{ or (gt $major 2) (and (eq $major 2) (ge $minor 2)) }}
lameDuck: {{ or (gt $major 1) (and (eq $major 1) (ge $minor 3)) }}
{{- end }}

{{- /*
nats-cluster.routes: the full mesh, one route per StatefulSet ordinal (each
server ignores its own), followed by routes.extra.
*/}}
{{- define "nats-cluster.routes" -}}
{{- $routes := list -}}
{{- range $i := until (int .Values.size) -}}
{{- $routes = append $routes (printf "nats://%s-%d.%s.%s.svc:%v" $.Release.Name $i (include "nats-cluster.mgmtName" $) $.Release.Namespace $.Values.ports.cluster) -}}
{{- end -}}
{{- range .Values.routes.extra -}}
{{- $routes = append $routes . -}}
{{- end -}}
{{- toYaml $routes -}}
{{- end }}

{{- /*
nats-cluster.configDict: nats.conf as a YAML map, before formatting. Keys
follow the server's own names; config.merge is applied last.
*/}}
{{- define "nats-cluster.configDict" -}}
{{- $gen := include "nats-cluster.gen" . | fromYaml -}}
{{- $s := .Values.server -}}
{{- $c := dict "port" .Values.ports.client "http_port" .Values.ports.monitoring -}}
{{- $_ := set $c "logtime" $s.logtime -}}
{{- if $s.serverName -}}
{{- $_ := set $c "server_name" "<< $SERVER_NAME >>" -}}
{{- end -}}
{{- if $gen.lameDuck -}}
{{- $_ := set $c "lame_duck_duration" (printf "%ds" (int $s.lameDuckDurationSeconds)) -}}
{{- end -}}
{{- if $s.debug }}{{ $_ := set $c "debug" true }}{{ end -}}
{{- if $s.trace }}{{ $_ := set $c "trace" true }}{{ end -}}
{{- if $s.writeDeadline }}{{ $_ := set $c "write_deadline" $s.writeDeadline }}{{ end -}}
{{- if $s.maxConnections }}{{ $_ := set $c "max_connections" $s.maxConnections }}{{ end -}}
{{- if $s.maxPayload }}{{ $_ := set $c "max_payload" $s.maxPayload }}{{ end -}}
{{- if $s.maxPending }}{{ $_ := set $c "max_pending" $s.maxPending }}{{ end -}}
{{- if $s.maxSubscriptions }}{{ $_ := set $c "max_subscriptions" $s.maxSubscriptions }}{{ end -}}
{{- if $s.maxControlLine }}{{ $_ := set $c "max_control_line" $s.maxControlLine }}{{ end -}}
{{- $cluster := dict "port" .Values.ports.cluster "routes" (include "nats-cluster.routes" . | fromYamlArray) -}}
{{- if $gen.clusterName -}}
{{- $_ := set $cluster "name" .Release.Name -}}
{{- end -}}
{{- $_ := set $c "cluster" $cluster -}}
{{- $c = mergeOverwrite $c (deepCopy (.Values.config.merge | default dict)) -}}
{{- toYaml $c -}}
{{- end }}

{{- /*
nats-cluster.formatConfig: a config map as NATS config text. JSON is valid
NATS config; "<< X >>" strings are unquoted so that variables ($VAR) and
units survive, and HTML escaping is undone so that subjects keep ">".
*/}}
{{- define "nats-cluster.formatConfig" -}}
{{- $json := toPrettyJson . -}}
{{- $json = $json | replace "\\u003c" "<" | replace "\\u003e" ">" | replace "\\u0026" "&" -}}
{{- regexReplaceAll "\"<<\\s*(.+?)\\s*>>\"" $json "${1}" -}}
{{- end }}

{{- /*
nats-cluster.configHash: hash of the parts of nats.conf that need a restart
to apply. Routes are left out: a new server learns its peers by gossip, so
scaling must not restart the servers that are already running.
*/}}
{{- define "nats-cluster.configHash" -}}
{{- $c := include "nats-cluster.configDict" . | fromYaml -}}
{{- $cluster := omit (get $c "cluster" | default dict) "routes" -}}
{{- $_ := set $c "cluster" $cluster -}}
{{- toJson $c | sha256sum -}}
{{- end }}
