{{/* Names, labels, and the pieces every process's pod shares: image, environment, key folder, security. */}}

{{- define "pushprov.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "pushprov.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/* A component's resource name: <fullname>-api, -worker, -codec-server, -setup. */}}
{{- define "pushprov.componentName" -}}
{{- printf "%s-%s" (include "pushprov.fullname" .root) .component | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "pushprov.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
app.kubernetes.io/name: {{ include "pushprov.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: pushprov
{{- end }}

{{/* Selects one component's pods: dict "root" $ "component" "api". */}}
{{- define "pushprov.selectorLabels" -}}
app.kubernetes.io/name: {{ include "pushprov.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "pushprov.componentLabels" -}}
{{ include "pushprov.labels" .root }}
app.kubernetes.io/component: {{ .component }}
{{- end }}

{{- define "pushprov.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "pushprov.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "pushprov.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{/* Where the Temporal TLS Secret's files are mounted. */}}
{{- define "pushprov.temporalTlsDir" -}}/etc/pushprov/temporal-tls{{- end }}

{{/* The environment of every process that talks to Temporal and PostgreSQL (the API, the workers, the setup). */}}
{{- define "pushprov.temporalEnv" -}}
- name: NODE_ENV
  value: production
- name: LOG_LEVEL
  value: {{ .Values.logLevel | quote }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ required "database.existingSecret: the Secret holding DATABASE_URL" .Values.database.existingSecret }}
      key: {{ .Values.database.key }}
- name: TEMPORAL_ADDRESS
  value: {{ required "temporal.address: the Temporal frontend's host:port" .Values.temporal.address | quote }}
- name: TEMPORAL_NAMESPACE
  value: {{ .Values.temporal.namespace | quote }}
- name: TEMPORAL_TASK_QUEUE
  value: {{ .Values.temporal.taskQueue | quote }}
{{- with .Values.temporal.tls }}
{{- if .enabled }}
- name: TEMPORAL_TLS
  value: "true"
{{- if .existingSecret }}
{{- if .caKey }}
- name: TEMPORAL_TLS_CA_FILE
  value: {{ printf "%s/%s" (include "pushprov.temporalTlsDir" $) .caKey | quote }}
{{- end }}
{{- if and .certKey .keyKey }}
- name: TEMPORAL_TLS_CERT_FILE
  value: {{ printf "%s/%s" (include "pushprov.temporalTlsDir" $) .certKey | quote }}
- name: TEMPORAL_TLS_KEY_FILE
  value: {{ printf "%s/%s" (include "pushprov.temporalTlsDir" $) .keyKey | quote }}
{{- end }}
{{- end }}
{{- if .serverName }}
- name: TEMPORAL_TLS_SERVER_NAME
  value: {{ .serverName | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- if .Values.temporal.apiKey.existingSecret }}
- name: TEMPORAL_API_KEY
  valueFrom:
    secretKeyRef:
      name: {{ .Values.temporal.apiKey.existingSecret }}
      key: {{ .Values.temporal.apiKey.key }}
{{- end }}
{{- end }}

{{/* The key folder, for the processes that open the issuer's keys; the setup job does not. */}}
{{- define "pushprov.keysEnv" -}}
- name: PUSHPROV_KEYS_DIR
  value: {{ .Values.keys.mountPath | quote }}
- name: PUSHPROV_GENERATE_KEYS
  value: "false"
{{- with .Values.keys.pkcs11 }}
{{- if .enabled }}
- name: PUSHPROV_KEY_STORE
  value: pkcs11
- name: PKCS11_MODULE
  value: {{ required "keys.pkcs11.module: the path of the HSM vendor's PKCS#11 library" .module | quote }}
- name: PKCS11_TOKEN_LABEL
  value: {{ required "keys.pkcs11.tokenLabel: the label of the token that holds the keys" .tokenLabel | quote }}
- name: PKCS11_PIN_FILE
  value: /etc/pushprov/pkcs11/pin
- name: PKCS11_RSA_OAEP
  value: {{ .rsaOaep | quote }}
{{- end }}
{{- end }}
{{- end }}

{{/* OpenTelemetry's exporter, for the API and the workers, when a collector is set (off otherwise). */}}
{{- define "pushprov.tracingEnv" -}}
{{- with .Values.tracing }}
{{- if .otlpEndpoint }}
- name: OTEL_EXPORTER_OTLP_ENDPOINT
  value: {{ .otlpEndpoint | quote }}
{{- if .serviceName }}
- name: OTEL_SERVICE_NAME
  value: {{ .serviceName | quote }}
{{- end }}
{{- end }}
{{- end }}
{{- end }}

{{/* The networks' and wallets' credentials (the wallets' file is looked for beside the networks'). */}}
{{- define "pushprov.credentialsEnv" -}}
- name: PUSHPROV_NETWORK_CREDENTIALS_FILE
  value: {{ printf "%s/%s" .Values.credentials.mountPath .Values.credentials.networkKey | quote }}
{{- end }}

{{/*
The key Secret holds the key folder's files flat (a Secret has no folders); this lays them out again as the
key store opens them, in a memory-backed volume the processes then mount read-only. Arguments: the Secret's
mount, the folder to fill.
*/}}
{{- define "pushprov.arrangeKeysScript" -}}
set -eu
from="$1"
to="$2"
mkdir -p "$to/issuer-signing" "$to/vault" "$to/payload"
chmod 0700 "$to/issuer-signing" "$to/vault" "$to/payload"
found=0
for file in "$from"/*; do
  [ -e "$file" ] || break
  name="${file##*/}"
  case "$name" in
    manifest.json | *.pem) folder=issuer-signing ;;
    vault-keys.json) folder=vault ;;
    keyring.json) folder=payload ;;
    codec-operator-token) folder=. ;;
    *) echo "the key Secret holds $name, which is no file of the key folder" >&2; exit 1 ;;
  esac
  cp "$file" "$to/$folder/$name"
  chmod 0600 "$to/$folder/$name"
  found=$((found + 1))
done
if [ "$found" -eq 0 ]; then echo "the key Secret is empty" >&2; exit 1; fi
echo "laid out $found key files in $to"
{{- end }}

{{- define "pushprov.keysInitContainer" -}}
- name: keys
  image: {{ include "pushprov.image" . }}
  imagePullPolicy: {{ .Values.image.pullPolicy }}
  command:
    - sh
    - -c
    - |
      {{- include "pushprov.arrangeKeysScript" . | nindent 6 }}
    - arrange-keys
    - /etc/pushprov/keys-secret
    - {{ .Values.keys.mountPath | quote }}
  securityContext:
    {{- toYaml .Values.securityContext | nindent 4 }}
  resources:
    requests: { cpu: 10m, memory: 16Mi }
    limits: { memory: 64Mi }
  volumeMounts:
    - name: keys-secret
      mountPath: /etc/pushprov/keys-secret
      readOnly: true
    - name: keys
      mountPath: {{ .Values.keys.mountPath | quote }}
{{- end }}

{{/* The volumes of a pod that opens the keys: the key Secret, the folder laid out from it, scratch space. */}}
{{- define "pushprov.keysVolumes" -}}
- name: keys-secret
  secret:
    secretName: {{ required "keys.existingSecret: the Secret holding the issuer's key folder" .Values.keys.existingSecret }}
    defaultMode: 0400
- name: keys
  emptyDir:
    medium: Memory
    sizeLimit: 4Mi
{{- if .Values.keys.pkcs11.enabled }}
# The token's PIN as a file, not a variable: a process's environment is readable in /proc and passed to children.
- name: pkcs11-pin
  secret:
    secretName: {{ required "keys.pkcs11.pinSecret.name: the Secret holding the token's user PIN" .Values.keys.pkcs11.pinSecret.name }}
    defaultMode: 0400
    items:
      - key: {{ .Values.keys.pkcs11.pinSecret.key }}
        path: pin
{{- end }}
{{- end }}

{{- define "pushprov.keysMount" -}}
- name: keys
  mountPath: {{ .Values.keys.mountPath | quote }}
  readOnly: true
{{- if .Values.keys.pkcs11.enabled }}
- name: pkcs11-pin
  mountPath: /etc/pushprov/pkcs11
  readOnly: true
{{- end }}
{{- end }}

{{- define "pushprov.credentialsVolume" -}}
- name: credentials
  secret:
    secretName: {{ required "credentials.existingSecret: the Secret holding the network credentials" .Values.credentials.existingSecret }}
    defaultMode: 0400
{{- end }}

{{- define "pushprov.credentialsMount" -}}
- name: credentials
  mountPath: {{ .Values.credentials.mountPath | quote }}
  readOnly: true
{{- end }}

{{- define "pushprov.temporalTlsVolume" -}}
{{- if and .Values.temporal.tls.enabled .Values.temporal.tls.existingSecret }}
- name: temporal-tls
  secret:
    secretName: {{ .Values.temporal.tls.existingSecret }}
    defaultMode: 0400
{{- end }}
{{- end }}

{{- define "pushprov.temporalTlsMount" -}}
{{- if and .Values.temporal.tls.enabled .Values.temporal.tls.existingSecret }}
- name: temporal-tls
  mountPath: {{ include "pushprov.temporalTlsDir" . }}
  readOnly: true
{{- end }}
{{- end }}

{{/* tsx and Node write their caches under /tmp: the root filesystem is read-only. */}}
{{- define "pushprov.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
{{- end }}

{{- define "pushprov.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end }}

{{/* What every pod of the chart shares: no Kubernetes API token, security context, placement. */}}
{{- define "pushprov.podCommon" -}}
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
