{{- /*
nats-cluster.natsContainer: the fields of the NATS container the chart owns,
as YAML. Lists (env, ports, mounts) are merged with the template's container
in nats-cluster.podTemplate.
*/}}
{{- define "nats-cluster.natsContainer" -}}
{{- $gen := .Values.generated.server -}}
{{- $paths := .Values.generated.paths -}}
{{- $v := .Values -}}
{{- $scheme := ternary "HTTPS" "HTTP" $v.tls.https -}}
name: nats
image: {{ include "nats-cluster.image" . | quote }}
imagePullPolicy: {{ .Values.image.pullPolicy | quote }}
command:
  - {{ $gen.binary | quote }}
  - -c
  - {{ $paths.configFile | quote }}
  - -P
  - {{ $paths.pidFile | quote }}
  - --cluster_advertise
  - {{ printf "$(POD_NAME).%s.$(POD_NAMESPACE).svc" (include "nats-cluster.mgmtName" .) | quote }}
  - --connect_retries
  - {{ int .Values.server.connectRetries | quote }}
  {{- if .Values.server.noAdvertise }}
  - --no_advertise
  {{- end }}
ports:
  - name: client
    containerPort: {{ int .Values.ports.client }}
    {{- if .Values.pod.clientHostPort }}
    hostPort: {{ int .Values.ports.client }}
    {{- end }}
  - name: cluster
    containerPort: {{ int .Values.ports.cluster }}
  - name: monitoring
    containerPort: {{ int .Values.ports.monitoring }}
  {{- if $v.gateway.enabled }}
  - name: gateway
    containerPort: {{ int $v.gateway.port }}
    {{- if $v.gateway.hostPort }}
    hostPort: {{ int $v.gateway.port }}
    {{- end }}
  {{- end }}
  {{- if $v.leafnodes.enabled }}
  - name: leafnodes
    containerPort: {{ int $v.leafnodes.port }}
    {{- if $v.leafnodes.hostPort }}
    hostPort: {{ int $v.leafnodes.port }}
    {{- end }}
  {{- end }}
  {{- if $v.websocket.enabled }}
  - name: websocket
    containerPort: {{ int $v.websocket.port }}
    {{- if $v.websocket.hostPort }}
    hostPort: {{ int $v.websocket.port }}
    {{- end }}
  {{- end }}
env:
  - name: POD_NAME
    valueFrom: {fieldRef: {fieldPath: metadata.name}}
  - name: POD_NAMESPACE
    valueFrom: {fieldRef: {fieldPath: metadata.namespace}}
  - name: SERVER_NAME
    value: $(POD_NAME)
volumeMounts:
  - name: config
    mountPath: {{ $paths.configDir | quote }}
  - name: pid
    mountPath: {{ dir $paths.pidFile | quote }}
  {{- range include "nats-cluster.secretVolumes" . | fromYamlArray }}
  - name: {{ .name | quote }}
    mountPath: {{ .path | quote }}
    readOnly: true
  {{- end }}
  {{- if $v.advertise.externalIP }}
  - name: advertiseconfig
    mountPath: {{ $paths.advertiseDir | quote }}
  {{- end }}
  {{- if and $v.jetstream.enabled $v.jetstream.file.enabled }}
  - name: {{ printf "%s-js" (include "nats-cluster.name" .) | quote }}
    mountPath: {{ $paths.dataDir | quote }}
  {{- end }}
{{- if $gen.lameDuck }}
lifecycle:
  preStop:
    exec:
      # Lame-duck mode: stop accepting clients and hand them to the other
      # servers; the grace period leaves room for it to finish.
      command: [{{ $gen.binary | quote }}, "--signal", {{ printf "ldm=%s" $paths.pidFile | quote }}]
{{- end }}
{{- if $gen.healthz }}
startupProbe:
  httpGet: {path: /healthz, port: monitoring, scheme: {{ $scheme }}}
  initialDelaySeconds: 10
  periodSeconds: 10
  timeoutSeconds: 5
  failureThreshold: 90
readinessProbe:
  httpGet: {path: "/healthz?js-server-only=true", port: monitoring, scheme: {{ $scheme }}}
  periodSeconds: 10
  timeoutSeconds: 5
  failureThreshold: 3
livenessProbe:
  httpGet: {path: "/healthz?js-enabled-only=true", port: monitoring, scheme: {{ $scheme }}}
  periodSeconds: 30
  timeoutSeconds: 5
  failureThreshold: 3
{{- else }}
{{- /* Servers before 2.2 have no /healthz; "/" answers once monitoring is up. */}}
readinessProbe:
  httpGet: {path: /, port: monitoring, scheme: {{ $scheme }}}
  initialDelaySeconds: 5
  periodSeconds: 10
  timeoutSeconds: 5
livenessProbe:
  httpGet: {path: /, port: monitoring, scheme: {{ $scheme }}}
  initialDelaySeconds: 10
  periodSeconds: 30
  timeoutSeconds: 10
  failureThreshold: 3
{{- end }}
securityContext:
  {{- toYaml .Values.pod.containerSecurityContext | nindent 2 }}
{{- end }}

{{- /*
nats-cluster.mergeByName: appends the items of "extra" whose "name" (or
"key") is not in "base" yet. Input: dict base, extra, key; output: YAML list.
*/}}
{{- define "nats-cluster.mergeByName" -}}
{{- $key := .key | default "name" -}}
{{- $out := .base | default list -}}
{{- $seen := dict -}}
{{- range $out }}{{ $_ := set $seen (toString (get . $key)) true }}{{ end -}}
{{- range (.extra | default list) -}}
{{- if not (hasKey $seen (toString (get . $key))) -}}
{{- $out = append $out . -}}
{{- $_ := set $seen (toString (get . $key)) true -}}
{{- end -}}
{{- end -}}
{{- toYaml $out -}}
{{- end }}

{{- /*
nats-cluster.podTemplate: pod.template merged the way nats-operator merged
spec.template: the template's NATS container keeps every field the chart does
not own, other containers, volumes, init containers and the service account
are kept, and the operator's labels cannot be overridden. Unlike
nats-operator, template.metadata is honored.
*/}}
{{- define "nats-cluster.podTemplate" -}}
{{- $tpl := deepCopy (.Values.pod.template | default dict) -}}
{{- $meta := get $tpl "metadata" | default dict -}}
{{- $spec := get $tpl "spec" | default dict -}}
{{- $containers := get $spec "containers" | default list -}}
{{- $natsIdx := -1 -}}
{{- range $i, $c := $containers -}}
{{- if and (lt $natsIdx 0) (eq (toString (get $c "name")) "nats") }}{{ $natsIdx = $i }}{{ end -}}
{{- end -}}
{{- if and (lt $natsIdx 0) (gt (len $containers) 0) }}{{ $natsIdx = 0 }}{{ end -}}
{{- $base := dict -}}
{{- $others := list -}}
{{- range $i, $c := $containers -}}
{{- if eq $i $natsIdx }}{{ $base = $c }}{{ else }}{{ $others = append $others $c }}{{ end -}}
{{- end -}}
{{- $ours := include "nats-cluster.natsContainer" . | fromYaml -}}
{{- /* env: the template's and pod.env first; ours only where the user has not set the name */ -}}
{{- $userEnv := concat (get $base "env" | default list) (.Values.pod.env | default list) -}}
{{- $env := include "nats-cluster.mergeByName" (dict "base" $userEnv "extra" $ours.env) | fromYamlArray -}}
{{- $mounts := concat $ours.volumeMounts (get $base "volumeMounts" | default list) (.Values.pod.volumeMounts | default list) -}}
{{- $ports := include "nats-cluster.mergeByName" (dict "base" $ours.ports "extra" (get $base "ports" | default list)) | fromYamlArray -}}
{{- $nats := mergeOverwrite (deepCopy $base) (omit $ours "env" "volumeMounts" "ports" "readinessProbe" "startupProbe" "lifecycle" "securityContext" "imagePullPolicy") -}}
{{- /* lifecycle: the template's postStart is kept; preStop is lame-duck mode's (values refuses another). */ -}}
{{- if and (hasKey $ours "lifecycle") (hasKey $base "lifecycle") -}}
{{- $_ := set $nats "lifecycle" (merge (deepCopy $ours.lifecycle) (get $base "lifecycle")) -}}
{{- end -}}
{{- $_ := set $nats "env" $env -}}
{{- $_ := set $nats "volumeMounts" $mounts -}}
{{- $_ := set $nats "ports" $ports -}}
{{- range $k := list "readinessProbe" "startupProbe" "lifecycle" "securityContext" "imagePullPolicy" -}}
{{- if and (hasKey $ours $k) (not (hasKey $base $k)) }}{{ $_ := set $nats $k (get $ours $k) }}{{ end -}}
{{- end -}}
{{- if .Values.pod.resources }}{{ $_ := set $nats "resources" .Values.pod.resources }}{{ end -}}
{{- $sidecars := list -}}
{{- if .Values.reloader.enabled }}{{ $sidecars = append $sidecars (include "nats-cluster.reloaderContainer" (dict "ctx" . "mounts" $mounts) | fromYaml) }}{{ end -}}
{{- if .Values.metrics.enabled }}{{ $sidecars = append $sidecars (include "nats-cluster.metricsContainer" . | fromYaml) }}{{ end -}}
{{- if .Values.auth.callout.enabled }}{{ $sidecars = append $sidecars (include "nats-cluster.calloutContainer" . | fromYaml) }}{{ end -}}
{{- $_ := set $spec "containers" (concat (list $nats) $sidecars $others) -}}
{{- if .Values.reloader.enabled }}{{ $_ := set $spec "shareProcessNamespace" true }}{{ end -}}
{{- if .Values.advertise.externalIP -}}
{{- $_ := set $spec "initContainers" (prepend (get $spec "initContainers" | default list) (include "nats-cluster.bootconfigContainer" . | fromYaml)) -}}
{{- end -}}
{{- $volumes := list (dict "name" "config" "configMap" (dict "name" (include "nats-cluster.configName" .))) (dict "name" "pid" "emptyDir" dict) -}}
{{- range include "nats-cluster.secretVolumes" . | fromYamlArray -}}
{{- $volumes = append $volumes (dict "name" .name "secret" (dict "secretName" .secret)) -}}
{{- end -}}
{{- if .Values.advertise.externalIP }}{{ $volumes = append $volumes (dict "name" "advertiseconfig" "emptyDir" dict) }}{{ end -}}
{{- if .Values.auth.callout.enabled }}{{ $volumes = append $volumes (dict "name" "callout" "secret" (dict "secretName" .Values.auth.callout.secretName)) }}{{ end -}}
{{- $_ := set $spec "volumes" (include "nats-cluster.mergeByName" (dict "base" $volumes "extra" (get $spec "volumes" | default list)) | fromYamlArray) -}}
{{- $_ := set $spec "restartPolicy" "Always" -}}
{{- if not (hasKey $spec "enableServiceLinks") }}{{ $_ := set $spec "enableServiceLinks" false }}{{ end -}}
{{- if not (hasKey $spec "securityContext") }}{{ $_ := set $spec "securityContext" .Values.pod.securityContext }}{{ end -}}
{{- /* Never shorter than lame-duck mode needs: grace period + duration + 20s to shut down. */ -}}
{{- $grace := add 10 (int .Values.server.lameDuckDurationSeconds) 20 -}}
{{- $_ := set $spec "terminationGracePeriodSeconds" (max $grace (int (get $spec "terminationGracePeriodSeconds" | default 0))) -}}
{{- with .Values.pod.nodeSelector }}{{ $_ := set $spec "nodeSelector" . }}{{ end -}}
{{- with .Values.pod.tolerations }}{{ $_ := set $spec "tolerations" . }}{{ end -}}
{{- if .Values.pod.antiAffinity -}}
{{- $affinity := get $spec "affinity" | default dict -}}
{{- $term := dict "topologyKey" "kubernetes.io/hostname" "labelSelector" (dict "matchLabels" (include "nats-cluster.selectorLabels" . | fromYaml)) -}}
{{- $_ := set $affinity "podAntiAffinity" (dict "requiredDuringSchedulingIgnoredDuringExecution" (list $term)) -}}
{{- $_ := set $spec "affinity" $affinity -}}
{{- end -}}
{{- /* No chart version on pods: an operator upgrade alone must not restart servers. */ -}}
{{- $labels := merge (omit (include "nats-cluster.labels" . | fromYaml) "helm.sh/chart") (dict "nats_version" (toString .Values.image.tag)) (.Values.pod.labels | default dict) (get $meta "labels" | default dict) -}}
{{- $ours := dict "nats.io/config-hash" .Values.generated.configHash -}}
{{- if .Values.metrics.enabled -}}
{{- $_ := set $ours "prometheus.io/scrape" "true" -}}
{{- $_ := set $ours "prometheus.io/port" (toString .Values.ports.metrics) -}}
{{- end -}}
{{- $annotations := merge $ours (.Values.pod.annotations | default dict) (get $meta "annotations" | default dict) -}}
metadata:
  labels:
    {{- toYaml $labels | nindent 4 }}
  annotations:
    {{- toYaml $annotations | nindent 4 }}
spec:
  {{- toYaml $spec | nindent 2 }}
{{- end }}

{{- /*
nats-cluster.reloaderContainer: signals the server (SIGHUP through the shared
process namespace) when nats.conf, an include file or a TLS file changes.
Input: dict ctx, mounts (the NATS container's mounts, which it shares).
*/}}
{{- define "nats-cluster.reloaderContainer" -}}
{{- $v := .ctx.Values -}}
name: reloader
image: {{ $v.reloader.image | quote }}
imagePullPolicy: {{ $v.reloader.pullPolicy | quote }}
command:
  - nats-server-config-reloader
  - -pid
  - {{ $v.generated.paths.pidFile | quote }}
  - -config
  - {{ $v.generated.paths.configFile | quote }}
  {{- range $v.generated.watchedFiles }}
  - -config
  - {{ . | quote }}
  {{- end }}
volumeMounts:
  {{- toYaml .mounts | nindent 2 }}
{{- with $v.reloader.resources }}
resources:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml $v.pod.containerSecurityContext | nindent 2 }}
{{- end }}

{{- /*
nats-cluster.metricsContainer: the Prometheus exporter, scraping the local
monitoring port with the scheme the server serves.
*/}}
{{- define "nats-cluster.metricsContainer" -}}
{{- $v := .Values -}}
name: metrics
image: {{ $v.metrics.image | quote }}
imagePullPolicy: {{ $v.metrics.pullPolicy | quote }}
args:
  - {{ printf "-port=%d" (int $v.ports.metrics) | quote }}
  - -connz
  - -routez
  - -subz
  - -varz
  - -prefix=nats
  - -use_internal_server_id
  {{- if $v.jetstream.enabled }}
  - -jsz=all
  {{- end }}
  {{- if or $v.leafnodes.enabled $v.leafnodes.remotes }}
  - -leafz
  {{- end }}
  {{- if $v.gateway.enabled }}
  - -gatewayz
  {{- end }}
  - {{ printf "%s://localhost:%d/" (ternary "https" "http" $v.tls.https) (int $v.ports.monitoring) | quote }}
ports:
  - name: metrics
    containerPort: {{ int $v.ports.metrics }}
{{- with $v.metrics.resources }}
resources:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml $v.pod.containerSecurityContext | nindent 2 }}
{{- end }}

{{- /*
nats-cluster.calloutContainer: the auth callout sidecar (nats-operator
callout) of ServiceAccount-callout mode. It talks to its own server on the
loopback (over TLS with the clients' TLS Secret, mounted here too, when the
clients' port requires it; values: generated.calloutArgs) and alone mounts
the Secret of its keys; the NATS container sees only their public halves,
in the auth Secret (internal/auth).
*/}}
{{- define "nats-cluster.calloutContainer" -}}
{{- $v := .Values -}}
name: callout
image: {{ $v.auth.callout.image | quote }}
args:
  {{- range $v.generated.calloutArgs }}
  - {{ . | quote }}
  {{- end }}
env:
  - name: POD_NAMESPACE
    valueFrom:
      fieldRef:
        fieldPath: metadata.namespace
volumeMounts:
  - name: callout
    mountPath: {{ $v.generated.paths.calloutDir | quote }}
    readOnly: true
  {{- if $v.tls.client.secret }}
  - name: server-tls-certs
    mountPath: {{ $v.tls.client.dir | quote }}
    readOnly: true
  {{- end }}
securityContext:
  {{- toYaml $v.pod.containerSecurityContext | nindent 2 }}
{{- end }}

{{- /*
nats-cluster.bootconfigContainer: writes the node's address into include
files for client and gateway/leafnode advertise. It reads the Node, so the
pod's service account (template.spec.serviceAccountName) needs "get nodes".
*/}}
{{- define "nats-cluster.bootconfigContainer" -}}
{{- $v := .Values -}}
name: bootconfig
image: {{ $v.advertise.image | quote }}
imagePullPolicy: {{ $v.advertise.pullPolicy | quote }}
command:
  {{- if $v.advertise.legacy }}
  - nats-pod-bootconfig
  {{- else }}
  - /manager
  - bootconfig
  {{- end }}
  - -f
  - {{ $v.generated.paths.clientAdvertiseFile | quote }}
  - -gf
  - {{ $v.generated.paths.gatewayAdvertiseFile | quote }}
env:
  - name: KUBERNETES_NODE_NAME
    valueFrom: {fieldRef: {fieldPath: spec.nodeName}}
volumeMounts:
  - name: advertiseconfig
    mountPath: {{ $v.generated.paths.advertiseDir | quote }}
securityContext:
  {{- toYaml $v.pod.containerSecurityContext | nindent 2 }}
{{- end }}
