{{/*
Names, labels and the settings every service shares. A service's own
settings are in its template, named as its config.ts reads them
(services/<service>/config.ts); nothing here invents one.
*/}}

{{- define "paas.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's prefix of every object name: <release>-paas, or the release name when it holds "paas". */}}
{{- define "paas.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else if contains (include "paas.name" .) .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "paas.name" .) | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "paas.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "controller"). */}}
{{- define "paas.selectorLabels" -}}
app.kubernetes.io/name: {{ include "paas.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "paas.labels" -}}
{{ include "paas.selectorLabels" . }}
app.kubernetes.io/part-of: paas
app.kubernetes.io/version: {{ .root.Values.image.tag | default .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ include "paas.chart" .root }}
{{- end -}}

{{/*
The labels that NetworkPolicies admit a pod by: paas/etcd-client to etcd,
paas/api-client to the controller's API (its /internal part too). Only the
platform's own pods carry them; a dyno is a Docker container on a node, no
pod, so it has none.
*/}}
{{- define "paas.etcdClient" -}}
paas/etcd-client: "true"
{{- end -}}
{{- define "paas.apiClient" -}}
paas/api-client: "true"
{{- end -}}

{{- define "paas.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "paas.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "paas.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion | toString) -}}
{{- end -}}

{{- define "paas.secretName" -}}
{{- .Values.secrets.existingSecret | default (printf "%s-secrets" (include "paas.fullname" .)) -}}
{{- end -}}

{{- define "paas.tlsSecretName" -}}
{{- .Values.tls.existingSecret | default (printf "%s-tls" (include "paas.fullname" .)) -}}
{{- end -}}

{{- define "paas.etcdHeadless" -}}
{{- printf "%s-etcd-headless" (include "paas.fullname" .) -}}
{{- end -}}

{{/* PAAS_ETCD_ENDPOINTS: every member of the chart's etcd, or etcd.external.endpoints. */}}
{{- define "paas.etcdEndpoints" -}}
{{- if .Values.etcd.enabled -}}
{{- $full := include "paas.fullname" . -}}
{{- $headless := include "paas.etcdHeadless" . -}}
{{- $urls := list -}}
{{- range $i := until (int .Values.etcd.replicas) -}}
{{- $urls = append $urls (printf "http://%s-etcd-%d.%s.%s.svc:%d" $full $i $headless $.Release.Namespace (int $.Values.etcd.clientPort)) -}}
{{- end -}}
{{- join "," $urls -}}
{{- else -}}
{{- if not .Values.etcd.external.endpoints -}}
{{- fail "etcd.enabled is false: etcd.external.endpoints must list the external etcd's client URLs" -}}
{{- end -}}
{{- join "," .Values.etcd.external.endpoints -}}
{{- end -}}
{{- end -}}

{{/* PAAS_API_URL: the controllers' Service (it balances over them). */}}
{{- define "paas.apiUrl" -}}
{{- printf "http://%s-controller.%s.svc:%d" (include "paas.fullname" .) .Release.Namespace (int .Values.controller.service.port) -}}
{{- end -}}

{{/* Env of every service (services/core/config.ts commonConfig, core/metrics.ts). */}}
{{- define "paas.commonEnv" -}}
- name: PAAS_CLUSTER
  value: {{ .Values.cluster | quote }}
- name: PAAS_ETCD_ENDPOINTS
  value: {{ include "paas.etcdEndpoints" . | quote }}
- name: PAAS_ETCD_PREFIX
  value: {{ .Values.etcdPrefix | quote }}
- name: PAAS_LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: PAAS_METRICS_LISTEN
  value: "0.0.0.0"
{{- end -}}

{{- define "paas.internalTokenEnv" -}}
- name: PAAS_INTERNAL_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "paas.secretName" . }}
      key: internal-token
{{- end -}}

{{/* The router's public ports as the controller, router and agent read them. */}}
{{- define "paas.portsEnv" -}}
- name: PAAS_DOMAIN
  value: {{ .Values.domain | quote }}
- name: PAAS_HTTP_PORT
  value: {{ .Values.httpPort | quote }}
- name: PAAS_HTTPS_PORT
  value: {{ .Values.httpsPort | quote }}
{{- end -}}

{{/* A component's pod scheduling fields: (dict "root" $ "c" .Values.controller "component" "controller"). */}}
{{- define "paas.placement" -}}
{{- with .c.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .c.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- $affinity := deepCopy (.c.affinity | default dict) }}
{{- $sel := dict "matchLabels" (include "paas.selectorLabels" (dict "root" .root "component" .component) | fromYaml) }}
{{- $term := dict "topologyKey" "kubernetes.io/hostname" "labelSelector" $sel }}
{{- if and (hasKey .c "antiAffinity") (not (hasKey $affinity "podAntiAffinity")) }}
{{- if eq .c.antiAffinity "hard" }}
{{- $_ := set $affinity "podAntiAffinity" (dict "requiredDuringSchedulingIgnoredDuringExecution" (list $term)) }}
{{- else if eq .c.antiAffinity "soft" }}
{{- $_ := set $affinity "podAntiAffinity" (dict "preferredDuringSchedulingIgnoredDuringExecution" (list (dict "weight" 100 "podAffinityTerm" $term))) }}
{{- end }}
{{- end }}
{{- with $affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .c.topologySpreadConstraints }}
topologySpreadConstraints:
  {{- range . }}
  - {{ toYaml . | nindent 4 | trim }}
    labelSelector:
      matchLabels:
        {{- include "paas.selectorLabels" (dict "root" $.root "component" $.component) | nindent 8 }}
  {{- end }}
{{- end }}
{{- with .c.priorityClassName }}
priorityClassName: {{ . }}
{{- end }}
{{- end -}}

{{/* Pod-level fields every workload shares. */}}
{{- define "paas.podCommon" -}}
serviceAccountName: {{ include "paas.serviceAccountName" . }}
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* A PodDisruptionBudget: (dict "root" $ "c" .Values.controller "component" "controller"). */}}
{{- define "paas.pdb" -}}
{{- if .c.pdb.enabled }}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "paas.fullname" .root }}-{{ .component }}
  labels:
    {{- include "paas.labels" (dict "root" .root "component" .component) | nindent 4 }}
spec:
  {{- if hasKey .c.pdb "minAvailable" }}
  minAvailable: {{ .c.pdb.minAvailable }}
  {{- else }}
  maxUnavailable: {{ .c.pdb.maxUnavailable | default 1 }}
  {{- end }}
  selector:
    matchLabels:
      {{- include "paas.selectorLabels" (dict "root" .root "component" .component) | nindent 6 }}
{{- end }}
{{- end -}}

{{/* The ingress rule for a /metrics port, or nothing when metricsFrom is empty (an empty `from` would admit all). */}}
{{- define "paas.metricsRule" -}}
{{- if .np.metricsFrom }}
- from:
    {{- toYaml .np.metricsFrom | nindent 4 }}
  ports:
    - { protocol: TCP, port: {{ .port }} }
{{- end }}
{{- end -}}
