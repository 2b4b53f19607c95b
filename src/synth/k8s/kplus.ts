// The one place cdk8s-plus is imported: moving to a newer cdk8s-plus-NN is a change here only.
export * as kplus from 'cdk8s-plus-28';
export * as k8s from 'cdk8s-plus-28/lib/imports/k8s';
