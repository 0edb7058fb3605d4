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
nats-cluster.labels: labels of every object the chart renders.
nats.io/managed-by lets the operator's cache hold only its own objects
(Helm itself sets app.kubernetes.io/managed-by: Helm).
*/}}
{{- define "nats-cluster.labels" -}}
{{ include "nats-cluster.selectorLabels" . }}
app.kubernetes.io/name: nats
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: nats
nats.io/managed-by: nats-operator
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
server ignores its own), followed by routes.extra. With route credentials the
userinfo is $(ROUTE_USER):$(ROUTE_PASSWORD), expanded by the kubelet from the
operator's auth Secret, so the chart never sees the password.
*/}}
{{- define "nats-cluster.routes" -}}
{{- $routes := list -}}
{{- $auth := "" -}}
{{- if .Values.auth.cluster }}{{ $auth = "$(ROUTE_USER):$(ROUTE_PASSWORD)@" }}{{ end -}}
{{- range $i := until (int .Values.size) -}}
{{- $routes = append $routes (printf "nats://%s%s-%d.%s.%s.svc:%v" $auth $.Release.Name $i (include "nats-cluster.mgmtName" $) $.Release.Namespace $.Values.ports.cluster) -}}
{{- end -}}
{{- range .Values.routes.extra -}}
{{- $routes = append $routes . -}}
{{- end -}}
{{- toYaml $routes -}}
{{- end }}

{{- /*
nats-cluster.tlsBlock: a NATS tls {} block. Input: dict "tls" (a tls.* value)
and "extra" (keys to add). File names are relative to the Secret's mount
directory unless absolute.
*/}}
{{- define "nats-cluster.tlsBlock" -}}
{{- $t := .tls -}}
{{- $b := dict -}}
{{- range $key, $file := dict "ca_file" $t.ca "cert_file" $t.cert "key_file" $t.key -}}
{{- if $file -}}
{{- $_ := set $b $key (ternary $file (printf "%s/%s" $t.dir $file) (hasPrefix "/" $file)) -}}
{{- end -}}
{{- end -}}
{{- if $t.timeout }}{{ $_ := set $b "timeout" $t.timeout }}{{ end -}}
{{- toYaml (merge $b (.extra | default dict)) -}}
{{- end }}

{{- /*
nats-cluster.configDict: nats.conf as a YAML map, before formatting. Keys
follow the server's own names; config.merge is applied last.
*/}}
{{- define "nats-cluster.configDict" -}}
{{- $gen := include "nats-cluster.gen" . | fromYaml -}}
{{- $s := .Values.server -}}
{{- $v := .Values -}}
{{- $c := dict "port" $v.ports.client -}}
{{- if $v.tls.https -}}
{{- $_ := set $c "https_port" $v.ports.monitoring -}}
{{- else -}}
{{- $_ := set $c "http_port" $v.ports.monitoring -}}
{{- end -}}
{{- $_ := set $c "logtime" $s.logtime -}}
{{- if or $s.serverName $v.jetstream.enabled -}}
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
{{- /* client TLS */ -}}
{{- with $v.tls.client -}}
{{- if .secret -}}
{{- $extra := dict -}}
{{- if .verify }}{{ $_ := set $extra "verify" true }}{{ end -}}
{{- if .verifyAndMap }}{{ $_ := set $extra "verify_and_map" true }}{{ end -}}
{{- with .cipherSuites }}{{ $_ := set $extra "cipher_suites" . }}{{ end -}}
{{- with .curvePreferences }}{{ $_ := set $extra "curve_preferences" . }}{{ end -}}
{{- $_ := set $c "tls" (include "nats-cluster.tlsBlock" (dict "tls" . "extra" $extra) | fromYaml) -}}
{{- end -}}
{{- end -}}
{{- /* client authorization */ -}}
{{- if and $v.auth.clients $v.auth.secretName -}}
{{- $_ := set $c "authorization" (dict "00$include" "auth/clients.conf") -}}
{{- else if $v.auth.clientsFile -}}
{{- $_ := set $c "authorization" (dict "00$include" $v.auth.clientsFile) -}}
{{- end -}}
{{- /* cluster */ -}}
{{- $cluster := dict "port" $v.ports.cluster -}}
{{- if $v.auth.cluster -}}
{{- $_ := set $cluster "routes" "<< $ROUTES >>" -}}
{{- $_ := set $cluster "authorization" (dict "00$include" "auth/cluster.conf") -}}
{{- else -}}
{{- $_ := set $cluster "routes" (include "nats-cluster.routes" . | fromYamlArray) -}}
{{- end -}}
{{- if $gen.clusterName -}}
{{- $_ := set $cluster "name" .Release.Name -}}
{{- end -}}
{{- if $v.tls.routes.secret -}}
{{- $_ := set $cluster "tls" (include "nats-cluster.tlsBlock" (dict "tls" $v.tls.routes) | fromYaml) -}}
{{- end -}}
{{- $_ := set $c "cluster" $cluster -}}
{{- /* gateway */ -}}
{{- if $v.gateway.enabled -}}
{{- $gw := dict "name" $v.gateway.name "port" $v.gateway.port -}}
{{- if $v.gateway.rejectUnknown }}{{ $_ := set $gw "reject_unknown_cluster" true }}{{ end -}}
{{- with $v.gateway.gateways }}{{ $_ := set $gw "gateways" . }}{{ end -}}
{{- if $v.tls.gateway.secret -}}
{{- $_ := set $gw "tls" (include "nats-cluster.tlsBlock" (dict "tls" $v.tls.gateway) | fromYaml) -}}
{{- end -}}
{{- if $v.auth.gateway -}}
{{- $_ := set $gw "authorization" (dict "00$include" "auth/gateway.conf") -}}
{{- end -}}
{{- if $v.advertise.externalIP -}}
{{- $_ := set $gw "zz$include" "advertise/gateway_advertise.conf" -}}
{{- end -}}
{{- $_ := set $c "gateway" $gw -}}
{{- end -}}
{{- /* leafnodes: a listener, remotes, or both */ -}}
{{- if or $v.leafnodes.enabled $v.leafnodes.remotes -}}
{{- $leaf := dict -}}
{{- if $v.leafnodes.enabled -}}
{{- $_ := set $leaf "port" $v.leafnodes.port -}}
{{- if $v.tls.leafnodes.secret -}}
{{- $_ := set $leaf "tls" (include "nats-cluster.tlsBlock" (dict "tls" $v.tls.leafnodes) | fromYaml) -}}
{{- end -}}
{{- if $v.advertise.externalIP -}}
{{- $_ := set $leaf "zz$include" "advertise/gateway_advertise.conf" -}}
{{- end -}}
{{- end -}}
{{- with $v.leafnodes.remotes }}{{ $_ := set $leaf "remotes" . }}{{ end -}}
{{- $_ := set $c "leafnodes" $leaf -}}
{{- end -}}
{{- /* websocket */ -}}
{{- if $v.websocket.enabled -}}
{{- $ws := dict "port" $v.websocket.port -}}
{{- if $v.tls.websocket.secret -}}
{{- $_ := set $ws "tls" (include "nats-cluster.tlsBlock" (dict "tls" $v.tls.websocket) | fromYaml) -}}
{{- else -}}
{{- $_ := set $ws "no_tls" true -}}
{{- end -}}
{{- with $v.websocket.handshakeTimeout }}{{ $_ := set $ws "handshake_timeout" . }}{{ end -}}
{{- if $v.websocket.compression }}{{ $_ := set $ws "compression" true }}{{ end -}}
{{- $_ := set $c "websocket" $ws -}}
{{- end -}}
{{- /* decentralized auth */ -}}
{{- if $v.operatorJWT.secret -}}
{{- $_ := set $c "operator" "/etc/nats-operator/op.jwt" -}}
{{- with $v.operatorJWT.systemAccount }}{{ $_ := set $c "system_account" . }}{{ end -}}
{{- with $v.operatorJWT.resolver }}{{ $_ := set $c "resolver" . }}{{ end -}}
{{- end -}}
{{- if $v.advertise.externalIP -}}
{{- $_ := set $c "zz$include" "advertise/client_advertise.conf" -}}
{{- end -}}
{{- /* JetStream */ -}}
{{- if $v.jetstream.enabled -}}
{{- $js := dict "store_dir" "/data/jetstream" "max_memory_store" (int64 $v.jetstream.memory.maxBytes) -}}
{{- $_ := set $js "max_file_store" (ternary (int64 $v.jetstream.file.maxBytes) 0 $v.jetstream.file.enabled) -}}
{{- with $v.jetstream.domain }}{{ $_ := set $js "domain" . }}{{ end -}}
{{- $_ := set $c "jetstream" $js -}}
{{- end -}}
{{- $c = mergeOverwrite $c (deepCopy ($v.config.merge | default dict)) -}}
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
{{- $json = regexReplaceAll "\"[0-9a-z]*\\$include\": (\"[^\"]*\")" $json "include ${1}" -}}
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
{{- $out = append $out (dict "name" "operator-jwt" "secret" . "path" "/etc/nats-operator") -}}
{{- end -}}
{{- with .Values.auth.secretName -}}
{{- $out = append $out (dict "name" "auth" "secret" . "path" "/etc/nats-config/auth") -}}
{{- end -}}
{{- toYaml $out -}}
{{- end }}

{{- /*
nats-cluster.watchedFiles: every file the reloader watches besides nats.conf:
the TLS files (so certificate rotation reloads) and the include files.
*/}}
{{- define "nats-cluster.watchedFiles" -}}
{{- $files := list -}}
{{- range $proto := list "client" "routes" "gateway" "leafnodes" "websocket" -}}
{{- $t := get $.Values.tls $proto -}}
{{- if $t.secret -}}
{{- range $f := list $t.ca $t.cert $t.key -}}
{{- if $f }}{{ $files = append $files (ternary $f (printf "%s/%s" $t.dir $f) (hasPrefix "/" $f)) }}{{ end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- if .Values.auth.secretName -}}
{{- range $k, $on := dict "clients" .Values.auth.clients "cluster" .Values.auth.cluster "gateway" .Values.auth.gateway -}}
{{- if $on }}{{ $files = append $files (printf "/etc/nats-config/auth/%s.conf" $k) }}{{ end -}}
{{- end -}}
{{- end -}}
{{- with .Values.auth.clientsFile }}{{ $files = append $files (printf "/etc/nats-config/%s" .) }}{{ end -}}
{{- toYaml $files -}}
{{- end }}
