import { loadEsmBundle } from './esm-bundle';

interface Model { validate(): void }
type ModelClass = new (data: unknown) => Model;

const ENTRY = `
export { ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
export { ConfigMap } from 'kubernetes-models/v1/ConfigMap';
export { Service } from 'kubernetes-models/v1/Service';
export { Pod } from 'kubernetes-models/v1/Pod';
export { Deployment } from 'kubernetes-models/apps/v1/Deployment';
export { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
export { PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
export { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
export { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
`;

const API_VERSIONS: Record<string, string> = {
  ServiceAccount: 'v1', ConfigMap: 'v1', Service: 'v1', Pod: 'v1', Deployment: 'apps/v1',
  HorizontalPodAutoscaler: 'autoscaling/v2', PodDisruptionBudget: 'policy/v1', NetworkPolicy: 'networking.k8s.io/v1',
  HTTPRoute: 'gateway.networking.k8s.io/v1',
};

let models: Record<string, ModelClass> | undefined;

/** Validates an object against the Kubernetes OpenAPI schema (kubernetes-models); returns the errors. */
export function kubernetesSchemaErrors(object: { apiVersion?: string; kind?: string }): string[] {
  models ??= loadEsmBundle<Record<string, ModelClass>>('kubernetes-models-and-gateway-api', ENTRY, '@kubernetes-models/gateway-api');
  const kind = object.kind ?? '';
  const Model = models[kind];
  if (!Model || API_VERSIONS[kind] !== object.apiVersion) return [`no schema for ${object.apiVersion} ${kind}`];
  try {
    new Model(object).validate();
    return [];
  } catch (e) {
    return [(e as Error).message];
  }
}
