/* eslint-disable @typescript-eslint/no-require-imports */
interface Model {
  validate(): void;
}
type ModelClass = new (data: unknown) => Model;

/** The model class of each kind the charts render (kubernetes-models, its Gateway API and Prometheus Operator models, CommonJS builds). */
function loadModels(): Record<string, ModelClass> {
  return {
    ServiceAccount: require('kubernetes-models/v1/ServiceAccount').ServiceAccount,
    ConfigMap: require('kubernetes-models/v1/ConfigMap').ConfigMap,
    Service: require('kubernetes-models/v1/Service').Service,
    Pod: require('kubernetes-models/v1/Pod').Pod,
    Deployment: require('kubernetes-models/apps/v1/Deployment').Deployment,
    HorizontalPodAutoscaler: require('kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler')
      .HorizontalPodAutoscaler,
    PodDisruptionBudget: require('kubernetes-models/policy/v1/PodDisruptionBudget').PodDisruptionBudget,
    NetworkPolicy: require('kubernetes-models/networking.k8s.io/v1/NetworkPolicy').NetworkPolicy,
    HTTPRoute: require('@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute').HTTPRoute,
    ServiceMonitor: require('@kubernetes-models/prometheus-operator/monitoring.coreos.com/v1/ServiceMonitor')
      .ServiceMonitor,
  };
}

const API_VERSIONS: Record<string, string> = {
  ServiceAccount: 'v1',
  ConfigMap: 'v1',
  Service: 'v1',
  Pod: 'v1',
  Deployment: 'apps/v1',
  HorizontalPodAutoscaler: 'autoscaling/v2',
  PodDisruptionBudget: 'policy/v1',
  NetworkPolicy: 'networking.k8s.io/v1',
  HTTPRoute: 'gateway.networking.k8s.io/v1',
  ServiceMonitor: 'monitoring.coreos.com/v1',
};

let models: Record<string, ModelClass> | undefined;

/** Validates an object against the Kubernetes OpenAPI schema (kubernetes-models); returns the errors. */
export function kubernetesSchemaErrors(object: { apiVersion?: string; kind?: string }): string[] {
  models ??= loadModels();
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
