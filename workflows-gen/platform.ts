import type { PlatformDefinition } from '../src';

/**
 * The voice platform, described once. Every generated workflow, chart and config reads its
 * names, ports, paths and schedules from here.
 */
export const PLATFORM: PlatformDefinition = {
  version: '0.1.0',
  chartVersion: '0.3.0',
  environments: [
    {
      name: 'staging',
      logLevel: 'debug',
      autoscaling: false,
      replicas: 2,
      // kube-prometheus-stack in "monitoring" scrapes the services (the canary analysis reads the series).
      metrics: { prometheusNamespace: 'monitoring', serviceMonitorLabels: { release: 'kube-prometheus-stack' } },
      // Every successful build of main, all at once: staging is where a release is tried first.
      deploy: {
        on: 'default-branch',
        namespace: 'voice-staging',
        clusterAuth: { kind: 'aws-oidc', region: 'eu-west-1', cluster: 'voice-staging' },
        urls: { agent: 'https://agent.staging.voice-platform.example' },
        rollout: [{ percent: 100, watchMinutes: 5 }],
      },
    },
    {
      name: 'production',
      logLevel: 'info',
      autoscaling: { minReplicas: 3, maxReplicas: 10 },
      metrics: { prometheusNamespace: 'monitoring', serviceMonitorLabels: { release: 'kube-prometheus-stack' } },
      // Synthesis is CPU-bound: production tts gets a full core per pod and room for larger voices.
      resources: { tts: { cpuRequest: '1', memoryRequest: '1Gi', memoryLimit: '2Gi' } },
      // Release tags only, through the protected environment, 10 % → 50 % → 100 % (the default stages).
      deploy: {
        on: 'release-tag',
        namespace: 'voice',
        clusterAuth: { kind: 'aws-oidc', region: 'eu-west-1', cluster: 'voice-production' },
        urls: { agent: 'https://agent.voice-platform.example' },
        // The agent is the entry point: its canary is a weighted backend of its HTTPRoute. tts is
        // internal (only the agent calls it), so its canary is a replica-ratio one.
        gateway: {
          parentRefs: [{ name: 'public', namespace: 'gateway' }],
          hostnames: ['agent.voice-platform.example'],
          services: ['agent'],
        },
      },
    },
  ],
  repository: 'voice-platform/voice-platform',
  defaultBranch: 'main',
  registry: { host: 'ghcr.io', namespace: 'voice-platform' },
  runners: { linux: 'ubuntu-24.04', linuxArm: 'ubuntu-24.04-arm', macos: 'macos-15' },
  toolchain: {
    python: '3.11',
    uv: '0.9.5',
    node: '24',
    helm: 'v4.1.4',
    kubeconform: 'v0.8.0',
    kubeconformSha256: '9bc2bffbf71f261128533edaf912153948b7ff238f9a531ae6d34466ec287883',
    // kind v0.31.0's release notes: the node image of Kubernetes 1.32.11, by digest.
    kind: 'v0.31.0',
    kubernetes: '1.32.11',
    kindNodeDigest: 'sha256:5fc52d52a7b9574015299724bd68f183702956aa4a2116ae75a63cb574b35af8',
    trivy: 'v0.70.0',
    cosign: 'v3.0.6',
    slsaVerifier: 'v2.7.1',
    pipAudit: '2.10.1',
  },
  schedules: {
    performance: '0 2 * * *', // nightly, 02:00 UTC (seed 004, task 10)
    dependencyScan: '0 9 * * 1', // Mondays 09:00 UTC (seed 004, task 11)
    imageScan: '0 10 * * 1', // Mondays 10:00 UTC, the images on the default branch (seed 004, task 12)
  },
  dependencyUpdates: { day: 'monday', time: '06:00', cooldownDays: 5 },
  owners: {
    platform: ['@voice-platform/platform'],
    services: ['@voice-platform/backend'],
    app: ['@voice-platform/apple'],
  },
  services: [
    {
      name: 'tts',
      path: 'services/tts',
      port: 8000,
      healthPath: '/health',
      synthesisPath: '/v1/synthesize',
      resources: { cpuRequest: '500m', memoryRequest: '512Mi', memoryLimit: '1Gi' },
      performance: { rate: 20, durationSeconds: 120 },
      settings: { TTS_DEFAULT_VOICE: 'en_US-amy-medium', TTS_SAMPLE_RATE: '22050', TTS_MAX_TEXT_LENGTH: '2000' },
    },
    {
      name: 'agent',
      path: 'services/agent',
      port: 8080,
      healthPath: '/health',
      resources: { cpuRequest: '250m', memoryRequest: '256Mi', memoryLimit: '512Mi' },
      calls: ['tts'],
      settings: { AGENT_TTS_TIMEOUT_SECONDS: '10' },
    },
  ],
  app: {
    name: 'voice-transcriber',
    path: 'apps/VoiceTranscriber',
    scheme: 'VoiceTranscriber',
    modelsJson: 'apps/VoiceTranscriber/VoiceTranscriber/Resources/models.json',
    packageResolved:
      'apps/VoiceTranscriber/VoiceTranscriber.xcodeproj/project.xcworkspace/xcshareddata/swiftpm/Package.resolved',
    referenceTranscripts: 'apps/VoiceTranscriber/VoiceTranscriberPerformanceTests/Corpus/references.json',
    minLineCoveragePct: 60,
    pinnedPackages: ['WhisperKit'],
    packageManifest: 'xcodeproj',
    project: 'apps/VoiceTranscriber/VoiceTranscriber.xcodeproj',
    xcode: '16.4',
    swiftlint: '0.59.1',
    testTargets: {
      unit: 'VoiceTranscriberTests',
      routing: 'VoiceTranscriberRoutingTests',
      performance: 'VoiceTranscriberPerformanceTests',
    },
    release: {
      tags: 'app-v*',
      productName: 'VoiceTranscriber.app',
      feedUrl: 'https://voice-platform.github.io/voice-platform/appcast.xml',
    },
  },
};
