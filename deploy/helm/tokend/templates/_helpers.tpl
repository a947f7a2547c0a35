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
restartPolicy: Always (a native sidecar); other charts may include it the
same way, with the volumes of "tokend.volumes".
*/}}
{{- define "tokend.container" -}}
- name: tokend
  image: {{ printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  {{- if eq .Values.mode "sidecar" }}
  restartPolicy: Always
  {{- end }}
  args:
    - --config={{ .Values.configDir }}/tokend.yaml
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
