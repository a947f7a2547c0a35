{{/* The name prefix of every object: <release>-<chart> (the release name
   alone when it contains the chart name), or fullnameOverride. */}}
{{- define "tokend.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (default .Chart.Name .Values.nameOverride) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (default .Chart.Name .Values.nameOverride) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels on every object (the selector labels included). */}}
{{- define "tokend.labels" -}}
{{ include "tokend.selectorLabels" . }}
app.kubernetes.io/part-of: tokend
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The pods' selector: tokend itself (central) or the app (sidecar). */}}
{{- define "tokend.selectorLabels" -}}
{{- if eq .Values.mode "central" -}}
app.kubernetes.io/name: {{ default .Chart.Name .Values.nameOverride }}
{{- else -}}
app.kubernetes.io/name: {{ .Values.app.name }}
{{- end }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "tokend.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "tokend.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/*
The tokend container. In sidecar mode it goes under initContainers with
restartPolicy: Always (a native sidecar), in central mode under containers.
*/}}
{{- define "tokend.container" -}}
- name: tokend
  image: {{ include "tokend.image" . }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  {{- if eq .Values.mode "sidecar" }}
  restartPolicy: Always
  {{- end }}
  args:
    - --config={{ .Values.configDir }}/tokend.yaml
  {{- with .Values.extraEnv }}
  env:
    {{- toYaml . | nindent 4 }}
  {{- end }}
  ports:
    {{- if .Values.tls.enabled }}
    - name: grpc-tls
      containerPort: {{ .Values.ports.tls }}
    {{- end }}
    - name: grpc-health
      containerPort: {{ .Values.ports.health }}
    - name: http
      containerPort: {{ .Values.ports.http }}
  startupProbe:
    grpc:
      port: {{ .Values.ports.health }}
    periodSeconds: 1
    failureThreshold: 30
  readinessProbe:
    grpc:
      port: {{ .Values.ports.health }}
    periodSeconds: 5
  livenessProbe:
    grpc:
      port: {{ .Values.ports.health }}
    periodSeconds: 10
  securityContext:
    runAsNonRoot: true
    runAsUser: {{ .Values.uid }}
    {{- if eq .Values.mode "sidecar" }}
    runAsGroup: {{ .Values.app.gid }}
    {{- else }}
    runAsGroup: {{ .Values.uid }}
    {{- end }}
    readOnlyRootFilesystem: true
    allowPrivilegeEscalation: false
    capabilities:
      drop: ["ALL"]
  resources:
    {{- toYaml .Values.resources | nindent 4 }}
  volumeMounts:
    - name: tokend-config
      mountPath: {{ .Values.configDir }}
      readOnly: true
    - name: tokend-keys
      mountPath: {{ .Values.keys.mountPath }}
      readOnly: true
    {{- if .Values.tls.enabled }}
    - name: tokend-tls
      mountPath: {{ .Values.tls.mountPath }}
      readOnly: true
    {{- end }}
    {{- if eq .Values.mode "sidecar" }}
    - name: tokend-socket
      mountPath: {{ .Values.socketDir }}
    {{- end }}
    - name: tokend-state
      mountPath: {{ .Values.stateDir }}
    {{- with .Values.extraVolumeMounts }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
{{- end -}}

{{/* The image: image.tag, or the chart's appVersion when it is empty. */}}
{{- define "tokend.image" -}}
{{- printf "%s:%s" .Values.image.repository (required "image.tag: set it (the including chart has no tokend appVersion)" (default .Chart.AppVersion .Values.image.tag)) -}}
{{- end -}}

{{/* The volumes "tokend.container" mounts. */}}
{{- define "tokend.volumes" -}}
- name: tokend-config
  configMap:
    name: {{ include "tokend.fullname" . }}-config
- name: tokend-keys
  secret:
    secretName: {{ .Values.keys.secretName }}
    defaultMode: 0440
{{- if .Values.tls.enabled }}
- name: tokend-tls
  secret:
    secretName: {{ .Values.tls.secretName }}
    defaultMode: 0440
{{- end }}
{{- if eq .Values.mode "sidecar" }}
- name: tokend-socket
  emptyDir:
    medium: Memory
    sizeLimit: 1Mi
{{- end }}
- name: tokend-state
  emptyDir:
    sizeLimit: 64Mi
{{- with .Values.extraVolumes }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/*
The sidecar for your own chart's Deployment, with "tokend.sidecarVolumes",
"tokend.selectorLabels", "tokend.target" and "tokend.socketMount": each
takes a context built from this chart's values when it is a dependency of
yours (deploy/README.md, "The sidecar in your own chart").
*/}}
{{- define "tokend.sidecar" -}}
{{- if ne .Values.mode "sidecar" }}
{{- fail "tokend.sidecar needs mode: sidecar" }}
{{- end }}
{{- include "tokend.container" . }}
{{- end -}}

{{- define "tokend.sidecarVolumes" -}}
{{- include "tokend.volumes" . }}
{{- end -}}

{{/* The address the app gives its token source: $TOKEND_TARGET. */}}
{{- define "tokend.target" -}}
unix:{{ .Values.socketDir }}/tokend.sock
{{- end -}}

{{/* The app container's mount of the socket folder. */}}
{{- define "tokend.socketMount" -}}
- name: tokend-socket
  mountPath: {{ .Values.socketDir }}
{{- end -}}

{{/*
tokend.yaml in two parts. The first holds what tokend applies only at a
restart (listeners, state, revocation store): its checksum is a pod
annotation, so changing it rolls the pods. The second (tenants, callers,
renewal, logging, shutdown) tokend reloads by itself when the ConfigMap
changes, without a restart.
*/}}
{{- define "tokend.config.restart" -}}
listeners:
{{- if eq .Values.mode "sidecar" }}
  unix_socket: {{ .Values.socketDir }}/tokend.sock
  tcp: 127.0.0.1:{{ .Values.ports.api }}
{{- end }}
{{- if .Values.tls.enabled }}
  tls:
    address: 0.0.0.0:{{ .Values.ports.tls }}
    cert_file: {{ .Values.tls.mountPath }}/tls.crt
    key_file: {{ .Values.tls.mountPath }}/tls.key
    {{- if .Values.tls.clientAuth }}
    client_ca_file: {{ .Values.tls.mountPath }}/ca.crt
    {{- end }}
{{- end }}
  health: 0.0.0.0:{{ .Values.ports.health }}
  http: 0.0.0.0:{{ .Values.ports.http }}
  reflection: {{ .Values.config.reflection }}
state_dir: {{ .Values.stateDir }}
{{- if .Values.revocation.store }}
revocation:
  store: {{ .Values.revocation.store | quote }}
  on_store_unavailable: {{ .Values.revocation.onStoreUnavailable }}
  resync_interval: {{ .Values.revocation.resyncInterval }}
{{- end }}
{{- end -}}

{{- define "tokend.config.live" -}}
tenants:
  {{- toYaml .Values.config.tenants | nindent 2 }}
callers:
  {{- toYaml .Values.config.callers | nindent 2 }}
renewal:
  {{- toYaml .Values.config.renewal | nindent 2 }}
{{- with .Values.config.extAuthz }}
ext_authz:
  {{- toYaml . | nindent 2 }}
{{- end }}
logging:
  level: {{ .Values.config.logLevel }}
shutdown:
  drain_timeout: {{ .Values.config.drainTimeout }}
{{- end -}}

{{/*
Sidecar mode's NetworkPolicy ports for everything but tokend's three
(api, health, http): the TCP ranges around them, and all of UDP.
*/}}
{{- define "tokend.otherPorts" -}}
{{- $p := .Values.ports -}}
{{- $lo := min $p.api $p.health $p.http -}}
{{- $hi := max $p.api $p.health $p.http -}}
{{- $mid := sub (add $p.api $p.health $p.http) (add $lo $hi) -}}
{{- if gt $lo 1 }}
- protocol: TCP
  port: 1
  endPort: {{ sub $lo 1 }}
{{- end }}
{{- if gt (sub $mid $lo) 1 }}
- protocol: TCP
  port: {{ add $lo 1 }}
  endPort: {{ sub $mid 1 }}
{{- end }}
{{- if gt (sub $hi $mid) 1 }}
- protocol: TCP
  port: {{ add $mid 1 }}
  endPort: {{ sub $hi 1 }}
{{- end }}
{{- if lt $hi 65535 }}
- protocol: TCP
  port: {{ add $hi 1 }}
  endPort: 65535
{{- end }}
- protocol: UDP
  port: 1
  endPort: 65535
{{- end -}}
