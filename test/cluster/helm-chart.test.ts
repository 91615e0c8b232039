// The Helm chart (deploy/helm/pushprov): `helm lint` accepts it and `helm template` renders it, with the
// default values and with every optional part on, into manifests that set only variables config/env.ts
// reads, take every secret from a Secret, give the API, the workers and the codec server one read-only key
// folder, and scale the worker Deployment. Helm is built from the Go module proxy on the first run
// (stack/helm-build.ts, minutes on 2 cores, hence this project), then found in the cache.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { openBytes, sealBytes } from '../../activities/crypto/sealed-bytes.js';
import { generateIssuerKeys } from '../../activities/keys/key-store.js';
import { IssuerSigningKeys } from '../../activities/keys/issuer-signing-keys.js';
import { SymmetricKeyRing } from '../../activities/keys/symmetric-key-ring.js';
import { VaultKeys } from '../../activities/keys/vault-keys.js';
import { operatorTokenFile } from '../../codec-server/operator-token.js';
import { EnvSchema, parseEnv, projectRoot } from '../../config/env.js';
import { ensureHelm } from '../../stack/helm-build.js';

const run = promisify(execFile);
const chartDir = path.join(projectRoot, 'deploy', 'helm', 'pushprov');
const allFeaturesValues = path.join(chartDir, 'ci', 'all-features-values.yaml');

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: unknown };
}
interface Container {
  name: string;
  command?: string[];
  env?: EnvVar[];
  ports?: { name: string; containerPort: number }[];
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
  securityContext?: {
    runAsNonRoot?: boolean;
    readOnlyRootFilesystem?: boolean;
    allowPrivilegeEscalation?: boolean;
    capabilities?: { drop?: string[] };
  };
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  startupProbe?: Probe;
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface PodSpec {
  automountServiceAccountToken?: boolean;
  serviceAccountName?: string;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  initContainers?: Container[];
  containers: Container[];
  volumes?: { name: string; secret?: { secretName: string }; emptyDir?: { medium?: string } }[];
}
interface Manifest {
  apiVersion: string;
  kind: string;
  metadata: { name: string; annotations?: Record<string, string> };
  // Each kind's own spec, read through the helpers below.
  spec?: Record<string, unknown> & {
    replicas?: number;
    template?: { metadata?: { annotations?: Record<string, string> }; spec: PodSpec };
  };
}

let helm: string;

beforeAll(async () => {
  const { PUSHPROV_CACHE_DIR } = parseEnv();
  helm = await ensureHelm(PUSHPROV_CACHE_DIR, (line) => console.log(`[toolchain] ${line}`));
});

async function runHelm(...args: string[]): Promise<string> {
  try {
    const { stdout, stderr } = await run(helm, args, { maxBuffer: 16 * 1024 * 1024 });
    return `${stdout}${stderr}`;
  } catch (error) {
    const failed = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`helm ${args.join(' ')} failed:\n${failed.stdout ?? ''}${failed.stderr ?? failed.message}`);
  }
}

async function render(...valuesFiles: string[]): Promise<Manifest[]> {
  const output = await runHelm(
    'template',
    'pushprov',
    chartDir,
    '--namespace',
    'pushprov',
    ...valuesFiles.flatMap((file) => ['--values', file]),
  );
  return parseAllDocuments(output)
    .map((document) => {
      if (document.errors.length > 0)
        throw new Error(`helm template wrote invalid YAML: ${document.errors[0]!.message}`);
      return document.toJS() as Manifest | null;
    })
    .filter((manifest): manifest is Manifest => manifest !== null);
}

const workloads = (manifests: Manifest[]): Manifest[] =>
  manifests.filter((manifest) => manifest.kind === 'Deployment' || manifest.kind === 'Job');

const podSpec = (workload: Manifest): PodSpec => workload.spec!.template!.spec;

const allContainers = (workload: Manifest): Container[] => [
  ...(podSpec(workload).initContainers ?? []),
  ...podSpec(workload).containers,
];

/** The workload whose main container runs this entry point (the Dockerfile's image, one per process). */
function runningEntryPoint(manifests: Manifest[], entryPoint: string): Manifest {
  const found = workloads(manifests).filter((workload) =>
    podSpec(workload).containers.some((container) => container.command?.at(-1) === entryPoint),
  );
  expect(found, `one workload runs ${entryPoint}`).toHaveLength(1);
  return found[0]!;
}

const envOf = (container: Container): Map<string, EnvVar> =>
  new Map((container.env ?? []).map((variable) => [variable.name, variable]));

const envValue = (container: Container, name: string): string | undefined => envOf(container).get(name)?.value;

const variableNames = new Set(Object.keys(EnvSchema.shape));

// The variables that carry a secret: from a Secret (secretKeyRef) only, never a literal.
const secretVariables = [
  'DATABASE_URL',
  'TEMPORAL_API_KEY',
  'CODEC_OPERATOR_TOKENS',
  'PUSHPROV_NETWORK_CREDENTIALS',
  'PUSHPROV_WALLET_CREDENTIALS',
  'PKCS11_PIN',
];

describe.each([
  { values: 'the default values', files: [] as string[] },
  { values: 'every optional part on', files: [allFeaturesValues] },
])('the Helm chart with $values', ({ files }) => {
  let manifests: Manifest[];

  beforeAll(async () => {
    manifests = await render(...files);
  });

  it('passes helm lint --strict', async () => {
    const output = await runHelm('lint', '--strict', chartDir, ...files.flatMap((file) => ['--values', file]));
    expect(output).toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    expect(output).not.toMatch(/\[(ERROR|WARNING)\]/);
  });

  it('runs the API, the workers, the codec server and the setup, each from an entry point of the image', () => {
    const entryPoints = workloads(manifests).flatMap((workload) =>
      podSpec(workload).containers.map((container) => container.command?.at(-1)),
    );
    expect(entryPoints.sort()).toEqual(
      ['api/server.ts', 'codec-server/main.ts', 'deploy/setup-deployment.ts', 'workers/main.ts'].sort(),
    );
    for (const entryPoint of entryPoints) expect(existsSync(path.join(projectRoot, entryPoint!))).toBe(true);
    for (const workload of workloads(manifests)) {
      for (const container of podSpec(workload).containers) {
        expect(container.command?.slice(0, 3)).toEqual(['node', '--import', 'tsx']);
      }
    }
  });

  it('sets only variables config/env.ts reads', () => {
    const unknown = workloads(manifests).flatMap((workload) =>
      allContainers(workload).flatMap((container) =>
        (container.env ?? [])
          .map((variable) => variable.name)
          .filter((name) => !variableNames.has(name))
          .map((name) => `${workload.metadata.name}/${container.name}: ${name}`),
      ),
    );
    expect(unknown).toEqual([]);
  });

  it('takes every secret from a Secret and inlines none', () => {
    expect(manifests.filter((manifest) => manifest.kind === 'Secret' || manifest.kind === 'ConfigMap')).toEqual([]);
    for (const workload of workloads(manifests)) {
      for (const container of allContainers(workload)) {
        for (const variable of container.env ?? []) {
          if (secretVariables.includes(variable.name)) {
            expect(variable.value, variable.name).toBeUndefined();
            expect(variable.valueFrom?.secretKeyRef?.name, variable.name).toBeTruthy();
          }
          // No password in a URL, no key material, whatever the variable.
          expect(variable.value ?? '').not.toMatch(/:\/\/[^/@\s]*:[^/@\s]*@|-----BEGIN|"key"\s*:/);
        }
      }
    }
    const api = podSpec(runningEntryPoint(manifests, 'api/server.ts')).containers[0]!;
    expect(envOf(api).get('DATABASE_URL')?.valueFrom?.secretKeyRef).toEqual({ name: 'pushprov-database', key: 'url' });
  });

  it('runs everything in production mode, the keys provisioned and never generated', () => {
    for (const workload of workloads(manifests)) {
      for (const container of podSpec(workload).containers) {
        expect(envValue(container, 'NODE_ENV'), workload.metadata.name).toBe('production');
        expect(envValue(container, 'PUSHPROV_GENERATE_KEYS'), workload.metadata.name).toBe('false');
      }
    }
  });

  it('gives the API, the workers and the codec server the same key folder, read-only, from the key Secret', () => {
    const keyFolders = new Set<string>();
    const keySecrets = new Set<string>();
    for (const entryPoint of ['api/server.ts', 'workers/main.ts', 'codec-server/main.ts']) {
      const workload = runningEntryPoint(manifests, entryPoint);
      const spec = podSpec(workload);
      const main = spec.containers[0]!;
      const keysDir = envValue(main, 'PUSHPROV_KEYS_DIR')!;
      keyFolders.add(keysDir);
      expect(main.volumeMounts).toContainEqual({ name: 'keys', mountPath: keysDir, readOnly: true });
      expect(spec.volumes?.find((volume) => volume.name === 'keys')?.emptyDir).toEqual({
        medium: 'Memory',
        sizeLimit: '4Mi',
      });
      // The init container fills that folder from the Secret, before the process opens it.
      const init = spec.initContainers?.find((container) => container.name === 'keys');
      expect(init?.command?.slice(-2)).toEqual(['/etc/pushprov/keys-secret', keysDir]);
      expect(init?.volumeMounts).toContainEqual({
        name: 'keys-secret',
        mountPath: '/etc/pushprov/keys-secret',
        readOnly: true,
      });
      keySecrets.add(spec.volumes!.find((volume) => volume.name === 'keys-secret')!.secret!.secretName);
    }
    expect([...keyFolders]).toHaveLength(1);
    expect([...keySecrets]).toEqual(['pushprov-keys']);
    // The setup migrates and registers; it opens no key.
    const setup = podSpec(runningEntryPoint(manifests, 'deploy/setup-deployment.ts'));
    expect(setup.volumes?.some((volume) => volume.name.startsWith('keys'))).toBe(false);
  });

  it('runs every container as non-root on a read-only root filesystem without capabilities', () => {
    for (const workload of workloads(manifests)) {
      const spec = podSpec(workload);
      expect(spec.automountServiceAccountToken, workload.metadata.name).toBe(false);
      expect(spec.securityContext?.runAsNonRoot).toBe(true);
      // The image's user is `node` by name, which the kubelet cannot check: the chart names its uid.
      expect(spec.securityContext?.runAsUser).toBe(1000);
      for (const container of allContainers(workload)) {
        expect(container.securityContext, `${workload.metadata.name}/${container.name}`).toMatchObject({
          readOnlyRootFilesystem: true,
          allowPrivilegeEscalation: false,
          capabilities: { drop: ['ALL'] },
        });
      }
    }
  });

  it('probes the API on /healthz and /readyz, and the workers on the metrics port Prometheus scrapes', () => {
    const api = podSpec(runningEntryPoint(manifests, 'api/server.ts')).containers[0]!;
    expect(api.livenessProbe?.httpGet?.path).toBe('/healthz');
    expect(api.readinessProbe?.httpGet?.path).toBe('/readyz');

    const worker = runningEntryPoint(manifests, 'workers/main.ts');
    const main = podSpec(worker).containers[0]!;
    const metricsPort = Number(envValue(main, 'WORKER_METRICS_ADDRESS')?.match(/^0\.0\.0\.0:(\d+)$/)?.[1]);
    expect(main.ports).toEqual([{ name: 'metrics', containerPort: metricsPort, protocol: 'TCP' }]);
    expect(main.livenessProbe?.httpGet).toEqual({ path: '/metrics', port: 'metrics' });
    expect(worker.spec!.template!.metadata?.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(metricsPort),
      'prometheus.io/path': '/metrics',
    });
  });

  it('runs the setup before every install and upgrade', () => {
    const setup = runningEntryPoint(manifests, 'deploy/setup-deployment.ts');
    expect(setup.kind).toBe('Job');
    expect(setup.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
    const container = podSpec(setup).containers[0]!;
    for (const name of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE']) {
      expect(envOf(container).has(name), name).toBe(true);
    }
  });

  it('keeps an API and a worker pod through node drains', () => {
    const budgets = manifests.filter((manifest) => manifest.kind === 'PodDisruptionBudget');
    const selected = budgets.map(
      (budget) =>
        (budget.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels[
          'app.kubernetes.io/component'
        ],
    );
    expect(selected.sort()).toEqual(['api', 'worker']);
  });
});

describe('the Helm chart', () => {
  it('scales the worker Deployment on CPU by default', async () => {
    const manifests = await render();
    const worker = runningEntryPoint(manifests, 'workers/main.ts');
    const autoscalers = manifests.filter((manifest) => manifest.kind === 'HorizontalPodAutoscaler');
    expect(autoscalers).toHaveLength(1);
    const autoscaler = autoscalers[0]!;
    expect(autoscaler.apiVersion).toBe('autoscaling/v2');
    expect(autoscaler.spec!.scaleTargetRef).toEqual({
      apiVersion: worker.apiVersion,
      kind: worker.kind,
      name: worker.metadata.name,
    });
    expect(autoscaler.spec!.metrics).toEqual([
      { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } },
    ]);
    // The autoscaler owns the replica count: the Deployment states none, or each upgrade would reset it.
    expect(worker.spec!.replicas).toBeUndefined();
  });

  it('with every optional part on: TLS to Temporal from its Secret, the ingress, the network policies', async () => {
    const manifests = await render(allFeaturesValues);
    expect(manifests.filter((manifest) => manifest.kind === 'HorizontalPodAutoscaler')).toEqual([]);
    expect(runningEntryPoint(manifests, 'workers/main.ts').spec!.replicas).toBe(3);

    const worker = podSpec(runningEntryPoint(manifests, 'workers/main.ts'));
    const main = worker.containers[0]!;
    expect(envValue(main, 'TEMPORAL_TLS')).toBe('true');
    expect(envValue(main, 'TEMPORAL_TLS_CA_FILE')).toBe('/etc/pushprov/temporal-tls/ca.crt');
    expect(envValue(main, 'TEMPORAL_TLS_CERT_FILE')).toBe('/etc/pushprov/temporal-tls/tls.crt');
    expect(envValue(main, 'TEMPORAL_TLS_KEY_FILE')).toBe('/etc/pushprov/temporal-tls/tls.key');
    expect(main.volumeMounts).toContainEqual({
      name: 'temporal-tls',
      mountPath: '/etc/pushprov/temporal-tls',
      readOnly: true,
    });
    expect(worker.volumes?.find((volume) => volume.name === 'temporal-tls')?.secret?.secretName).toBe(
      'temporal-client-tls',
    );

    const ingress = manifests.find((manifest) => manifest.kind === 'Ingress')!;
    const apiService = manifests.find(
      (manifest) => manifest.kind === 'Service' && manifest.metadata.name.endsWith('-api'),
    )!;
    expect(JSON.stringify(ingress.spec)).toContain(`"service":{"name":"${apiService.metadata.name}"`);
    expect(manifests.filter((manifest) => manifest.kind === 'NetworkPolicy')).toHaveLength(3);

    const codec = podSpec(runningEntryPoint(manifests, 'codec-server/main.ts')).containers[0]!;
    expect(envOf(codec).get('CODEC_OPERATOR_TOKENS')?.valueFrom?.secretKeyRef?.name).toBe('pushprov-codec-operators');

    // The keys in an HSM, for every process that opens them; the PIN from its Secret.
    const api = podSpec(runningEntryPoint(manifests, 'api/server.ts')).containers[0]!;
    for (const container of [main, api, codec]) {
      expect(envValue(container, 'PUSHPROV_KEY_STORE')).toBe('pkcs11');
      expect(envValue(container, 'PKCS11_MODULE')).toBe('/opt/hsm/lib/libCryptoki2_64.so');
      expect(envValue(container, 'PKCS11_TOKEN_LABEL')).toBe('pushprov');
      // The PIN as a file from its Secret, never a variable (readable in /proc, passed to children).
      expect(envOf(container).has('PKCS11_PIN')).toBe(false);
      expect(envValue(container, 'PKCS11_PIN_FILE')).toBe('/etc/pushprov/pkcs11/pin');
      expect(container.volumeMounts).toContainEqual({
        name: 'pkcs11-pin',
        mountPath: '/etc/pushprov/pkcs11',
        readOnly: true,
      });
    }
    for (const spec of [worker, podSpec(runningEntryPoint(manifests, 'api/server.ts'))]) {
      expect(spec.volumes?.find((volume) => volume.name === 'pkcs11-pin')?.secret?.secretName).toBe('pushprov-hsm-pin');
    }
    // Tracing for the API and the workers.
    for (const container of [main, api]) {
      expect(envValue(container, 'OTEL_EXPORTER_OTLP_ENDPOINT')).toBe('http://otel-collector.monitoring:4318');
      expect(envValue(container, 'OTEL_SERVICE_NAME')).toBe('pushprov-eu1');
    }
  });

  it('refuses the HSM without its library, token or PIN Secret', async () => {
    for (const value of ['module', 'tokenLabel', 'pinSecret.name']) {
      const rendering = runHelm(
        'template',
        'pushprov',
        chartDir,
        '--values',
        allFeaturesValues,
        '--set',
        `keys.pkcs11.${value}=`,
      );
      await expect(rendering).rejects.toThrow(`keys.pkcs11.${value}:`);
    }
  });

  it('states the appVersion of package.json', async () => {
    const chart = await readFile(path.join(chartDir, 'Chart.yaml'), 'utf8');
    const { version } = JSON.parse(await readFile(path.join(projectRoot, 'package.json'), 'utf8')) as {
      version: string;
    };
    expect(chart).toMatch(new RegExp(`^appVersion: '${version.replaceAll('.', '\\.')}'$`, 'm'));
  });
});

describe("the key folder's init container", () => {
  let scratch: string;
  let script: string;

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'pushprov-helm-keys-'));
    const api = runningEntryPoint(await render(), 'api/server.ts');
    const command = podSpec(api).initContainers!.find((container) => container.name === 'keys')!.command!;
    expect(command.slice(0, 2)).toEqual(['sh', '-c']);
    script = command[2]!;
  });

  afterAll(async () => {
    await rm(scratch, { recursive: true, force: true });
  });

  /** What `kubectl create secret generic --from-file=<folder>` puts in the Secret, mounted: the files, flat. */
  async function flattenIntoSecret(keysDir: string, secretDir: string): Promise<void> {
    await mkdir(secretDir, { recursive: true });
    for (const folder of ['issuer-signing', 'vault', 'payload', '.']) {
      for (const entry of await readdir(path.join(keysDir, folder), { withFileTypes: true })) {
        if (entry.isFile()) {
          await writeFile(path.join(secretDir, entry.name), await readFile(path.join(keysDir, folder, entry.name)));
        }
      }
    }
  }

  it("lays a Secret made of deploy:setup's key folder out again as the key store opens it", async () => {
    const generated = path.join(scratch, 'generated');
    await generateIssuerKeys(generated);
    const token = await operatorTokenFile(generated, { generateIfMissing: true });
    const secret = path.join(scratch, 'secret');
    await flattenIntoSecret(generated, secret);
    const laidOut = path.join(scratch, 'laid-out');
    await mkdir(laidOut);

    await run('sh', ['-c', script, 'arrange-keys', secret, laidOut]);

    const opened = { generateIfMissing: false };
    const [signing, original] = await Promise.all([
      IssuerSigningKeys.open(path.join(laidOut, 'issuer-signing'), opened),
      IssuerSigningKeys.open(path.join(generated, 'issuer-signing'), opened),
    ]);
    expect(signing.jwks()).toEqual(original.jwks());
    const [payload, originalPayload] = await Promise.all([
      SymmetricKeyRing.open(path.join(laidOut, 'payload'), opened),
      SymmetricKeyRing.open(path.join(generated, 'payload'), opened),
    ]);
    // The same keys: what one seals the other opens, what one MACs the other MACs alike.
    expect(payload.current.kid).toBe(originalPayload.current.kid);
    const sealed = await sealBytes(originalPayload.current, Buffer.from('aad'), Buffer.from('a payload'));
    expect((await openBytes(payload.current, Buffer.from('aad'), sealed)).toString()).toBe('a payload');
    const vault = await VaultKeys.open(path.join(laidOut, 'vault'), opened);
    const originalVault = await VaultKeys.open(path.join(generated, 'vault'), opened);
    expect(vault.oneTimeCode.kid).toBe(originalVault.oneTimeCode.kid);
    expect(await vault.oneTimeCode.mac(Buffer.from('x'))).toEqual(
      await originalVault.oneTimeCode.mac(Buffer.from('x')),
    );
    expect((await operatorTokenFile(laidOut, { generateIfMissing: false }))?.token).toBe(token?.token);
  });

  it('refuses a Secret holding a file the key folder has no place for, or nothing', async () => {
    const stray = path.join(scratch, 'stray');
    await mkdir(stray);
    await writeFile(path.join(stray, 'id_rsa'), 'not a key of the folder');
    const empty = path.join(scratch, 'empty');
    await mkdir(empty);
    for (const secret of [stray, empty]) {
      const target = await mkdtemp(path.join(scratch, 'target-'));
      await expect(run('sh', ['-c', script, 'arrange-keys', secret, target])).rejects.toThrow(
        /no file of the key folder|is empty/,
      );
    }
  });
});
